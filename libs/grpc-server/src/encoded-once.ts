/**
 * Answers made from a source object that is answered again unchanged (a record or a page a
 * read memory keeps, ADR 0019), made and encoded once per source object: `answer` makes the
 * answer the first time it is asked for a source and gives the same object after that, for
 * as long as the source lives; `serialize`, the method's grpc-js response serializer,
 * encodes such an answer once and gives the same bytes after that. Any other answer object
 * is encoded afresh each time, as the generated serializer does.
 *
 * Sound because nothing changes a kept source (a memory drops it and keeps a new object
 * instead) nor an answer once made (handlers only return it), and grpc-js copies the bytes
 * into each response's frame. Weak maps: an answer and its bytes go with their source.
 */
export class EncodedOnce<S extends object, A extends object> {
  private readonly answers = new WeakMap<S, A>();
  private readonly encodings = new WeakMap<A, Buffer>();
  /** The answers `answer` made: only those have their bytes remembered. */
  private readonly made = new WeakSet<A>();

  constructor(
    private readonly make: (source: S) => A,
    private readonly encode: (answer: A) => Uint8Array,
  ) {}

  /** The answer for `source`: made the first time, the same object after that. */
  answer(source: S): A {
    let answer = this.answers.get(source);
    if (!answer) {
      answer = this.make(source);
      this.answers.set(source, answer);
      this.made.add(answer);
    }
    return answer;
  }

  /** The response serializer: remembered bytes for an answer `answer` made, else encoded now. */
  readonly serialize = (answer: A): Buffer => {
    const known = this.encodings.get(answer);
    if (known) return known;
    const bytes = Buffer.from(this.encode(answer));
    if (this.made.has(answer)) this.encodings.set(answer, bytes);
    return bytes;
  };
}
