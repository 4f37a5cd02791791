/** @pinhole/lab: a real two-site network (namespaces, veths, nftables, a delay line) for end-to-end tests. */
export * from './types';
export { Lab, LabExecOptions, labDown } from './lab';
export { checkLabPrerequisites, findTool } from './prereq';
export { runLabCli } from './cli';
export { DEFAULT_PREFIX, MANAGER_ADDRESS, MANAGER_ALT_ADDRESS, MANAGER_ADDRESS6, MANAGER_ALT_ADDRESS6, TURN_ADDRESS, TURN_ADDRESS6, namespacesFor } from './plan';
export { runMatrix, matrixTable, quantile, turnArgs, type PairResult, type MatrixOptions } from './matrix';
export { UdpAgent, RecvEvent, SendOptions, AgentStats, AgentStartOptions, UDP_AGENT_SCRIPT } from './probe/udp-agent-client';
export { NdjsonProc } from './ndjson-proc';
export { writeCoturnConfig, type CoturnSetup, type CoturnFiles } from './coturn-config';
export { WindowAgent, windowTrial, WINDOW_AGENT_SCRIPT, type WindowEvent, type WindowAgentOptions } from './probe/window-agent-client';
