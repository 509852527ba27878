/**
 * @transflow/sandbox: a local Globus Auth + Transfer service on 127.0.0.1 that really moves
 * files between folders, for the quick start, transflow's tests and users' own CI.
 */
export { readSandboxConfigFile, SandboxConfigError } from "./config/ConfigFile.ts";
export { defaultConfig, defaultIds } from "./config/defaultConfig.ts";
export type {
  ClientConfig,
  CollectionConfig,
  FaultRuleConfig,
  IdentityConfig,
  SandboxConfigInput,
  TaskFaultConfig,
} from "./config/SandboxConfig.ts";
export { SandboxConfig } from "./config/SandboxConfig.ts";
export type { RunningSandbox, SandboxInfo, StartOptions } from "./Server.ts";
export { startSandbox } from "./Server.ts";
