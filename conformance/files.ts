/** The paths `qjob check` / `qjob coverage` are given, expanded to trace files (traces/traceFiles.ts). */
export { findTraceFiles, walkTraceFiles } from '../traces/traceFiles.ts';
