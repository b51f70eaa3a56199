import { describe, expect, it } from 'vitest';
import { formatCheckReport } from '../../../src/config/check-report.js';
import { configOf } from './fake-files.js';

describe('supd --check report', () => {
  it('lists every process after numprocs expansion with group, priority, autostart, logs and command', () => {
    const { config } = configOf(
      '[supervisord]\nlogfile=/var/log/supd.log\nchildlogdir=/var/log/supd\n[unix_http_server]\nfile=/run/supd.sock\n' +
        '[program:worker]\ncommand=work %(process_num)d\nnumprocs=2\nprocess_name=w%(process_num)d\npriority=5\nautostart=false\nredirect_stderr=true\n' +
        '[program:web]\ncommand=nginx -g "daemon off;"\nstdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nstderr_logfile=NONE\n',
    );
    expect(formatCheckReport(config)).toBe(
      [
        'config: /etc/supd/supd.conf',
        'supd log: /var/log/supd.log (level info), child logs (AUTO): /var/log/supd',
        'control socket: unix:///run/supd.sock',
        '3 processes in 2 groups, in start order:',
        '',
        'PROCESS    GROUP   PRIORITY  AUTOSTART  STDOUT       STDERR    COMMAND',
        'worker:w0  worker  5         no         AUTO         (stdout)  work 0',
        'worker:w1  worker  5         no         AUTO         (stdout)  work 1',
        'web        web     999       yes        /dev/stdout  NONE      nginx -g "daemon off;"',
        '',
      ].join('\n'),
    );
  });
});
