import { loadMnist } from '@acsm/data';
const t = performance.now();
for (const s of ['train', 'test', 'all'] as const) { const d = loadMnist(s); console.log(s, d.checksum, Array.from(d.labels.slice(0, 12)).join(',')); }
console.log(performance.now() - t);
