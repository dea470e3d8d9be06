/**
 * A tar archive (POSIX ustar) of regular files, as an OCI layer holds them: owner root,
 * fixed modification time. Only what the registry fixtures need (short names, small files).
 */
export interface TarFile {
  /** Relative path, at most 100 bytes, no `..`. */
  name: string;
  content: Buffer;
  mode?: number;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'ascii');
}

const octal = (value: number, digits: number) => `${value.toString(8).padStart(digits, '0')}\0`;

function tarHeader(file: TarFile, mtime: number): Buffer {
  const name = Buffer.from(file.name, 'utf8');
  if (name.length === 0 || name.length > 100 || file.name.startsWith('/') || file.name.split('/').includes('..')) {
    throw new Error(`tar: ${JSON.stringify(file.name)} is not a relative path of 1 to 100 bytes`);
  }
  const header = Buffer.alloc(BLOCK);
  name.copy(header, 0);
  field(header, 100, 8, octal(file.mode ?? 0o644, 7));
  field(header, 108, 8, octal(0, 7));
  field(header, 116, 8, octal(0, 7));
  field(header, 124, 12, octal(file.content.length, 11));
  field(header, 136, 12, octal(mtime, 11));
  field(header, 148, 8, '        ');
  field(header, 156, 1, '0');
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  field(header, 265, 32, 'root');
  field(header, 297, 32, 'root');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** The archive's bytes: each file's header and padded content, then two zero blocks. */
export function tarArchive(files: TarFile[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(tarHeader(file, mtime), file.content);
    const pad = (BLOCK - (file.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
