import { Command } from 'commander';
import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import type { ImagesClient } from '@cairn/client';
import { bytes, phaseName, progressLine, renderImageList, renderResolved, shortDigest } from './images-view';
import { shown } from './render';
import type { Output } from './watch-view';

export interface ImagesCliIo {
  out: Output;
  client: () => Pick<ImagesClient, 'resolve' | 'materialize' | 'list' | 'evict'>;
  /** Aborts on Ctrl-C: a materialisation stops being followed (the site's conversion goes on). */
  signal: AbortSignal;
}

const SITE_HELP = 'the site (default: the gateway\'s default site)';

/** `cairn images ...`: pin a reference to a digest, make a site hold an image, list a site's images, evict one (admins). */
export function imagesCommands(io: ImagesCliIo): Command {
  const images = new Command('images').description('container images: pin a reference to a digest, have a site hold a runnable copy, list and evict a site\'s images');

  images
    .command('resolve')
    .description('pin a reference ("python:3.12", "host:5000/lab/tool:1") to the digest of the manifest for the site\'s platform')
    .argument('<reference>')
    .option('-s, --site <site>', SITE_HELP)
    .option('--json', 'print the reply as JSON')
    .action(async (reference: string, opts: { site?: string; json?: boolean }) => {
      const { image, site } = await io.client().resolve(reference, opts.site ?? '');
      io.out.write(opts.json ? `${JSON.stringify({ site, image }, null, 2)}\n` : renderResolved(image, site));
    });

  images
    .command('materialize')
    .alias('pull')
    .description('make the site hold a verified runnable copy of the image (joins a conversion under way), with its progress')
    .argument('<reference>')
    .option('-s, --site <site>', SITE_HELP)
    .action(async (reference: string, opts: { site?: string }) => {
      let last: pb.MaterializeImageResponse | undefined;
      for await (const message of io.client().materialize(reference, opts.site ?? '', io.signal)) {
        if (!last) io.out.write(`${pc.dim('pinned')} ${shown(message.image?.pinned ?? '')} ${pc.dim(`at ${shown(message.site)}`)}\n`);
        // On a terminal one line, redrawn; elsewhere (CI logs, pipes) a line per phase.
        if (io.out.isTTY) io.out.write(`\r\u001b[2K${progressLine(message)}`);
        else if (message.phase !== last?.phase) io.out.write(`${phaseName(message.phase)}\n`);
        last = message;
      }
      if (io.out.isTTY) io.out.write('\r\u001b[2K');
      if (io.signal.aborted) return;
      const entry = last?.siteImage;
      if (last?.phase !== pb.MaterializePhase.MATERIALIZE_PHASE_READY || !entry) throw new Error('the gateway ended the stream before the image was ready');
      io.out.write(`${pc.green('ready')} ${shortDigest(entry.digest)} ${pc.dim(`${bytes(entry.size)} ${shown(entry.runtime)} file at ${shown(last.site)}, converted ${entry.conversions} time${entry.conversions === 1 ? '' : 's'}`)}\n`);
    });

  images
    .command('list')
    .alias('ls')
    .description('the images a site holds, most recently used first, and its quota (runs: those you may see)')
    .option('-s, --site <site>', SITE_HELP)
    .option('--json', 'print the reply as JSON')
    .action(async (opts: { site?: string; json?: boolean }) => {
      const reply = await io.client().list(opts.site ?? '');
      io.out.write(opts.json ? `${JSON.stringify(reply, null, 2)}\n` : renderImageList(reply));
    });

  images
    .command('evict')
    .description('remove the site\'s copy of an image (admins only; never an image a live run needs)')
    .argument('<digest>', 'sha256:<64 hex>')
    .option('-s, --site <site>', SITE_HELP)
    .action(async (digest: string, opts: { site?: string }) => {
      const reply = await io.client().evict(digest, opts.site ?? '');
      io.out.write(`${pc.green('evicted')} ${shortDigest(digest)} ${pc.dim(`(${bytes(reply.freedBytes)} freed)`)}\n`);
    });

  return images;
}
