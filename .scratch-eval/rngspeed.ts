import { createRng } from '@acsm/core';
const r = createRng(1).fork('x');
let t = performance.now(); let s = 0;
for (let i = 0; i < 100000; i++) s += r.uniform();
console.log('us per uniform', (performance.now() - t) * 10 / 1000, s);
