/** The part of rdf-ext (which ships no types) the crate checks use: its default export. */
declare module 'rdf-ext' {
  import type { DatasetCore, Quad } from '@rdfjs/types';

  const rdf: { dataset(quads?: Iterable<Quad>): DatasetCore };
  export = rdf;
}
