import { ContainerModule } from 'inversify';
import { Codec } from '@pinhole/core';
import { G711Codec } from './g711-codec';

export { G711Codec } from './g711-codec';
export { PitchRepeatConcealer } from './plc';

/** Binds PCMU and PCMA to the shared Codec symbol; consumers take them via contributionProvider. */
export const containerModule = new ContainerModule((bind) => {
  bind<Codec>(Codec).toConstantValue(new G711Codec('pcmu'));
  bind<Codec>(Codec).toConstantValue(new G711Codec('pcma'));
});
