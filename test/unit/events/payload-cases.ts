/**
 * Events and the payloads supervisord 4.2.5's events.py builds for them, shared by the unit test
 * (hard-coded expectations) and the integration test that asks supervisord's own code.
 */
import type { SupdEvent } from '../../../src/events/payloads.js';

// Expected strings are copied from what supervisord 4.2.5's events.py payload() returns for the
// same inputs (test/integration/events/payloads-vs-supervisord.test.ts checks them against it).
const base = { processname: 'web', groupname: 'www' } as const;
export const PAYLOADS: [SupdEvent, string][] = [
  [{ type: 'PROCESS_STATE_STOPPED', ...base, from_state: 'STOPPING', pid: 12 }, 'processname:web groupname:www from_state:STOPPING pid:12'],
  [{ type: 'PROCESS_STATE_STARTING', ...base, from_state: 'BACKOFF', tries: 2 }, 'processname:web groupname:www from_state:BACKOFF tries:2'],
  [{ type: 'PROCESS_STATE_RUNNING', ...base, from_state: 'STARTING', pid: 12 }, 'processname:web groupname:www from_state:STARTING pid:12'],
  [{ type: 'PROCESS_STATE_BACKOFF', ...base, from_state: 'STARTING', tries: 1 }, 'processname:web groupname:www from_state:STARTING tries:1'],
  [{ type: 'PROCESS_STATE_STOPPING', ...base, from_state: 'RUNNING', pid: 12 }, 'processname:web groupname:www from_state:RUNNING pid:12'],
  [{ type: 'PROCESS_STATE_EXITED', ...base, from_state: 'RUNNING', expected: false, pid: 12 }, 'processname:web groupname:www from_state:RUNNING expected:0 pid:12'],
  [{ type: 'PROCESS_STATE_EXITED', ...base, from_state: 'RUNNING', expected: true, pid: 12 }, 'processname:web groupname:www from_state:RUNNING expected:1 pid:12'],
  [{ type: 'PROCESS_STATE_FATAL', ...base, from_state: 'BACKOFF' }, 'processname:web groupname:www from_state:BACKOFF'],
  [{ type: 'PROCESS_STATE_UNKNOWN', ...base, from_state: 'RUNNING' }, 'processname:web groupname:www from_state:RUNNING'],
  [{ type: 'PROCESS_LOG_STDOUT', ...base, pid: 12, data: 'hello\n' }, 'processname:web groupname:www pid:12 channel:stdout\nhello\n'],
  [{ type: 'PROCESS_LOG_STDERR', ...base, pid: 12, data: new TextEncoder().encode('oops') }, 'processname:web groupname:www pid:12 channel:stderr\noops'],
  [{ type: 'PROCESS_COMMUNICATION_STDOUT', ...base, pid: 12, data: '<x/>' }, 'processname:web groupname:www pid:12\n<x/>'],
  [{ type: 'PROCESS_COMMUNICATION_STDERR', ...base, pid: 12, data: 'msg' }, 'processname:web groupname:www pid:12\nmsg'],
  [{ type: 'REMOTE_COMMUNICATION', remote_type: 'deploy', data: 'v2' }, 'type:deploy\nv2'],
  [{ type: 'SUPERVISOR_STATE_CHANGE_RUNNING' }, ''],
  [{ type: 'SUPERVISOR_STATE_CHANGE_STOPPING' }, ''],
  [{ type: 'TICK_5', when: 1_700_000_005 }, 'when:1700000005'],
  [{ type: 'TICK_60', when: 1_700_000_040 }, 'when:1700000040'],
  [{ type: 'TICK_3600', when: 1_699_999_200 }, 'when:1699999200'],
  [{ type: 'PROCESS_GROUP_ADDED', groupname: 'www' }, 'groupname:www\n'],
  [{ type: 'PROCESS_GROUP_REMOVED', groupname: 'www' }, 'groupname:www\n'],
  [{ type: 'PROCESS_STATE_RUNNING', processname: 'café☃😀', groupname: 'ünï', from_state: 'STARTING', pid: 1 }, 'processname:café☃😀 groupname:ünï from_state:STARTING pid:1'],
  [{ type: 'PROCESS_LOG_STDOUT', ...base, pid: 12, data: Uint8Array.from([0x68, 0xff, 0x27, 0x0a]) }, 'processname:web groupname:www pid:12 channel:stdout\nUndecodable: b"h\\xff\'\\n"'],
];
