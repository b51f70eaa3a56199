/**
 * The Prometheus text exposition format (version 0.0.4): metric families with HELP and TYPE,
 * samples with escaped label values. Pure: families in, text out. What supd exports is decided in
 * metrics.ts.
 */

export type MetricType = 'gauge' | 'counter' | 'summary';

export interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  /** Appended to the family name: '_sum', '_count' for a summary. */
  readonly suffix?: string;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderFamilies(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const family of families) {
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`);
    for (const sample of family.samples) {
      out.push(`${family.name}${sample.suffix ?? ''}${renderLabels(sample.labels)} ${renderValue(sample.value)}\n`);
    }
  }
  return out.join('');
}

function renderLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  const parts: string[] = [];
  for (const key in labels) parts.push(`${key}="${escapeLabel(labels[key]!)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
