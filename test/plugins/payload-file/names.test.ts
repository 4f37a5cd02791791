import { strict as assert } from 'assert';
import { checkName, MAX_NAME_BYTES, nameProblem } from '@pinhole/payload-file';

describe('payload-file names', () => {
  it('accepts plain, portable names (unicode in NFC included)', () => {
    for (const n of ['report.pdf', 'a', 'IMG_0001.JPG', 'my file (2).tar.gz', 'résumé.txt', '日本語.txt', 'console.log', 'con-fig.json', 'x'.repeat(MAX_NAME_BYTES)])
      assert.equal(nameProblem(n), undefined, n);
  });

  const refused: Array<[string, RegExp]> = [
    ['../x', /path separators/],
    ['/abs', /path separators/],
    ['C:\\x', /path separators|<>:/],
    ['a/b', /path separators/],
    ['..', /not a file name/],
    ['.', /not a file name/],
    ['', /empty/],
    ['.bashrc', /starts with a dot/],
    ['x\u0000y', /control characters/],
    ['tab\there', /control characters/],
    ['del\u007f', /control characters/],
    ['AUX', /reserved device name/],
    ['prn.txt', /reserved device name/],
    ['Com7.tar', /reserved device name/],
    ['lpt1', /reserved device name/],
    ['end.', /ends with a dot or a space/],
    ['end ', /ends with a dot or a space/],
    ['what?', /<>:/],
    ['e\u0301.txt', /normal form C/],
    ['é'.repeat(101), /longer than 200 bytes/],
  ];
  for (const [name, why] of refused)
    it(`refuses ${JSON.stringify(name.slice(0, 16))}: ${why.source}`, () => {
      assert.match(nameProblem(name) ?? '', why);
      assert.throws(() => checkName(name), (e: { code?: string; message: string }) => e.code === 'E_FILE_PATH' && /send it under a plain name/.test(e.message));
    });
});
