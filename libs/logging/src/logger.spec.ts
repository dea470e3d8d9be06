import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger } from './logger';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with the service, ids and Nest context', () => {
    const { lines, stream } = capture();
    const logger = createLogger('scheduler', 'info', stream);
    logger.child({ context: 'Dispatcher', jobId: 'j-1' }).info('dispatched');
    new PinoNestLogger(logger).warn('slow', 'NestApplication');
    expect(lines[0]).toMatchObject({ service: 'scheduler', context: 'Dispatcher', jobId: 'j-1', msg: 'dispatched' });
    expect(lines[1]).toMatchObject({ level: 40, context: 'NestApplication', msg: 'slow' });
  });
});
