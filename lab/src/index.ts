/** @pinhole/lab: a real two-site network (namespaces, veths, nftables, a delay line) for end-to-end tests. */
export * from './types';
export { Lab, LabExecOptions, labDown } from './lab';
export { checkLabPrerequisites, findTool } from './prereq';
export { runLabCli } from './cli';
export { DEFAULT_PREFIX, MANAGER_ADDRESS, namespacesFor } from './plan';
export { UdpAgent, RecvEvent, SendOptions, AgentStats, AgentStartOptions, UDP_AGENT_SCRIPT } from './probe/udp-agent-client';
export { NdjsonProc } from './ndjson-proc';
