import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CopyEncoder, copyLine } from '../src/seeding';

/** What a COPY stream receives from the encoder: its buffers, in order, as one text. */
function encoded(rows: ReadonlyArray<readonly unknown[]>, chunkBytes: number): { text: string; buffers: number } {
  const encoder = new CopyEncoder(chunkBytes);
  const taken: Buffer[] = [];
  rows.forEach((row, i) => {
    encoder.add(row);
    // Taken now and then, as a sink does between batches; later rows must not overwrite taken buffers.
    if (i % 7 === 6) taken.push(...encoder.take());
  });
  taken.push(...encoder.take());
  assert.equal(encoder.size, 0);
  return { text: Buffer.concat(taken).toString('utf8'), buffers: taken.length };
}

describe('CopyEncoder', () => {
  const rows: Array<readonly unknown[]> = Array.from({ length: 100 }, (_v, i) => [
    `AA${String(i).padStart(7, '0')}`,
    'DİN Pasport, Qeydiyyat və Miqrasiya Baş İdarəsi',
    i % 3 === 0 ? null : `şəhər\t${i}\\n`,
    i % 2 === 0,
    ['a"b', null, 'ç'],
    'x'.repeat(i * 13),
  ]);

  it("writes copyLine's text, byte for byte, across buffer boundaries and multi-byte characters", () => {
    const expected = rows.map(copyLine).join('');
    for (const chunkBytes of [16, 100, 1024, 1 << 20]) {
      const { text, buffers } = encoded(rows, chunkBytes);
      assert.equal(text, expected, `chunks of ${chunkBytes} bytes`);
      if (chunkBytes === 16) assert.ok(buffers > 100 / 7, 'a row longer than a chunk gets a buffer of its own');
    }
  });

  it('counts the bytes it holds', () => {
    const encoder = new CopyEncoder(64);
    encoder.add(['ə', 1]);
    assert.equal(encoder.size, Buffer.byteLength(copyLine(['ə', 1])));
  });
});
