import { parseReference } from './image-reference';

describe('parseReference', () => {
  it.each([
    ['lab/busybox:1.36', { registry: 'reg:5000', repository: 'lab/busybox', tag: '1.36' }],
    ['busybox', { registry: 'reg:5000', repository: 'busybox', tag: 'latest' }],
    ['127.0.0.1:5000/lab/busybox:1.36', { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: '1.36' }],
    ['ghcr.io/org/model', { registry: 'ghcr.io', repository: 'org/model', tag: 'latest' }],
    ['localhost/x:y', { registry: 'localhost', repository: 'x', tag: 'y' }],
    [
      `quay.io/a/b@sha256:${'f'.repeat(64)}`,
      { registry: 'quay.io', repository: 'a/b', digest: `sha256:${'f'.repeat(64)}` },
    ],
    [
      `quay.io/a/b:1@sha256:${'f'.repeat(64)}`,
      { registry: 'quay.io', repository: 'a/b', tag: '1', digest: `sha256:${'f'.repeat(64)}` },
    ],
  ])('%s', (reference, expected) => expect(parseReference(reference, 'reg:5000')).toEqual(expected));
});
