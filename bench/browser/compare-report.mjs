// Reads run.mjs --compare's records (standard input or a file) and prints, per row, each
// subject's median msg/s and runs, then each later build against the first, client by client:
// the median of the per-run ratios (later / first) and their range. A ratio from one run
// compares two measurements taken minutes apart at most, which is what makes it worth more
// than a ratio of medians on a machine whose speed drifts. Records made with --cost also get
// what each subject cost the page's main thread per message (cost.mjs): the medians of its
// script, the built-ins it calls and send, in microseconds.
//
//   node bench/browser/compare-report.mjs target/compare/results.jsonl
import { readFileSync } from 'node:fs';

const records = readFileSync(process.argv[2] ?? 0, 'utf8').split('\n')
  .filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
  .filter((record) => record.suite === 'client-compare');
if (records.length === 0) {
  console.error('compare-report: no client-compare records in the input');
  process.exit(1);
}
const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const unique = (values) => [...new Set(values)];

for (const row of unique(records.map((record) => record.row))) {
  const ofRow = records.filter((record) => record.row === row);
  const runsOf = (subject) => ofRow.filter((record) => record.subject === subject);
  const subjects = unique(ofRow.map((record) => record.subject));
  console.log(`\n${row} (msg/s; median, then each run)`);
  for (const subject of subjects) {
    const rates = runsOf(subject).map((record) => record.metrics.per_s);
    console.log(`  ${subject.padEnd(24)} ${median(rates).toFixed(0).padStart(6)}   ${rates.map((rate) => rate.toFixed(0)).join(' ')}`);
  }
  if (ofRow.every((record) => record.metrics.script_us !== undefined)) {
    console.log(`${row}, main thread per message (us; median script + calls, then script, calls, send)`);
    for (const subject of subjects) {
      const of = (kind) => median(runsOf(subject).map((record) => record.metrics[kind]));
      const own = median(runsOf(subject).map(({ metrics }) => metrics.script_us + metrics.calls_us));
      console.log(`  ${subject.padEnd(24)} ${own.toFixed(1).padStart(6)}   ${['script_us', 'calls_us', 'send_us'].map((kind) => of(kind).toFixed(1)).join(' ')}`);
    }
  }
  const builds = unique(ofRow.map((record) => record.subject.split(':')[0]));
  const clients = unique(ofRow.map((record) => record.subject.split(':')[1]));
  for (const build of builds.slice(1)) {
    for (const client of clients) {
      const ratios = runsOf(`${builds[0]}:${client}`).flatMap((first) => {
        const later = runsOf(`${build}:${client}`).find((record) => record.run === first.run);
        return later ? [later.metrics.per_s / first.metrics.per_s] : [];
      });
      if (ratios.length === 0) continue;
      const range = `${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}`;
      console.log(`  ${`${build}/${builds[0]}`.padEnd(16)} ${client.padEnd(12)} ${median(ratios).toFixed(3)} [${range}] over ${ratios.length} runs`);
    }
  }
}
