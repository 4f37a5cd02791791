import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { compileValidators, validator, validatorSource } from '@pinhole/core/host';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('validators: precompiled at build time, identical to compiling at runtime', () => {
  const manifests = ['plugins', 'plugin-template'].flatMap((d) =>
    fs
      .readdirSync(path.join(ROOT, d))
      .filter((p) => fs.existsSync(path.join(ROOT, d, p, 'package.json')))
      .map((p) => JSON.parse(fs.readFileSync(path.join(ROOT, d, p, 'package.json'), 'utf8'))),
  );
  const bad = [{}, { name: 'x', version: 'one', main: '', engines: {} }, { name: 'Bad Name', version: '1.0.0', main: 'i.js', engines: { pinhole: '*' }, activationEvents: ['whenever'] }];

  it('the build made them, and the host uses them (no ajv compile on the CLI path)', () => {
    validator('manifest');
    assert.equal(validatorSource, 'precompiled', 'run "npm run build" (core/scripts/build-validators.js)');
  });

  it('give the same verdicts and errors as the runtime compiler, manifests and contribution points alike', () => {
    const runtime = compileValidators();
    const same = (name: string, value: unknown) => {
      const pre = validator(name);
      const ok = pre(value);
      assert.equal(ok, runtime[name](value), `${name}: ${JSON.stringify(value).slice(0, 80)}`);
      assert.deepEqual(pre.errors ?? null, runtime[name].errors ?? null);
    };
    for (const m of [...manifests, ...bad]) {
      same('manifest', m);
      for (const [point, value] of Object.entries((m as { contributes?: object }).contributes ?? {})) same(`point:${point}`, value);
    }
    same('point:codecs', [{ name: 7, payloadType: 'voice' }]);
    same('meta', { type: 'object', properties: { a: { type: 'integer', minimum: 'x' } } });
    same('config', { plugins: { a: { enabled: 'yes' } }, colour: 'red' });
  });
});
