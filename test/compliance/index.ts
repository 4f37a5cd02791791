/**
 * The public entry of `@pinhole/compliance` (test/compliance/package.json): every suite, for
 * plugins that live outside test/ — plugin-template/ and what `pinhole new-plugin` creates.
 */
export { default as codecCompliance, type CodecSetup } from './codec';
export { default as directoryCompliance, type DirectorySetup } from './directory';
export { default as payloadCompliance, type PayloadSetup } from './payload';
export { default as punchCompliance, type PunchSetup } from './punch';
export { default as videoCodecCompliance, type VideoCodecSetup, pattern as videoPattern, lumaPsnr } from './video-codec';
