// Which XML-RPC fault startProcess answers for each reason a command can't be started, as
// supervisord's rpcinterface.py startProcess does: NotFound -> NO_FILE; NotExecutable,
// NoPermission and BadCommand -> NOT_EXECUTABLE; anything found only at spawn -> SPAWN_ERROR.
import type { SpawnFailureKind } from '../os/spawn-failure.js';
import type { FaultName } from '../rpc/faults.js';

export const SPAWN_FAILURE_FAULTS: { readonly [K in SpawnFailureKind]: FaultName } = {
  'no-file': 'NO_FILE',
  'is-directory': 'NOT_EXECUTABLE',
  'not-executable': 'NOT_EXECUTABLE',
  'no-permission': 'NOT_EXECUTABLE',
  'bad-command': 'NOT_EXECUTABLE',
  'bad-directory': 'SPAWN_ERROR',
  'bad-user': 'SPAWN_ERROR',
  'exec-failed': 'SPAWN_ERROR',
  'no-pipe': 'SPAWN_ERROR',
};
