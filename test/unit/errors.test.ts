import { strict as assert } from 'assert';
import { PinholeError, WireError } from '@pinhole/core';

describe('errors', () => {
  it('carries a stable code and serialises its details', () => {
    const e = new WireError('E_FRAME_TOO_LARGE', 'frame too large', { size: 10 });
    assert.ok(e instanceof PinholeError);
    assert.equal(e.name, 'WireError');
    assert.deepEqual(e.toJSON(), { name: 'WireError', code: 'E_FRAME_TOO_LARGE', message: 'frame too large', size: 10 });
  });
});
