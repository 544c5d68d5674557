import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell } from '../../src/http/csv';

describe("the console's CSV cells", () => {
  it('leave plain values as they are and write null as empty', () => {
    assert.deepEqual([csvCell('HUB-1'), csvCell(12), csvCell(false), csvCell(null)], ['HUB-1', '12', 'false', '']);
  });

  it('quote a separator, a quote or a line break, doubling quotes', () => {
    assert.deepEqual([csvCell('a,b'), csvCell('say "hi"'), csvCell('one\ntwo')], ['"a,b"', '"say ""hi"""', '"one\ntwo"']);
  });

  it('neutralise what a spreadsheet would run as a formula', () => {
    assert.deepEqual(['=1+1', '+1', '-1', '@SUM(A1)', '=HYPERLINK("x","y")'].map(csvCell), ["'=1+1", "'+1", "'-1", "'@SUM(A1)", `"'=HYPERLINK(""x"",""y"")"`]);
  });
});
