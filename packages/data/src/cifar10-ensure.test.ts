import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CIFAR10_ARCHIVE,
  CIFAR10_ARCHIVE_MD5,
  CIFAR10_URL,
  cifar10Files,
  loadCifar10,
} from './cifar10';
import {
  type Cifar10Progress,
  describeCifar10Source,
  ensureCifar10,
} from './cifar10-ensure';
import { fakeBatch } from './testing/cifar10';
import { findPython, pythonTar, type TarMember } from './testing/python-tar';

const skip = findPython() ? false : 'needs python3 (tarfile) to write tars';

const RECORDS = 2;
const BATCHES = [...cifar10Files('train'), ...cifar10Files('test')];
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The six batch files (2 records each) as archive members. */
function batchMembers(change: Record<string, Uint8Array> = {}): TarMember[] {
  return [
    { name: 'cifar-10-batches-bin', type: 'dir' },
    ...BATCHES.map((f, k) => ({
      name: `cifar-10-batches-bin/${f}`,
      bytes: change[f] ?? fakeBatch(RECORDS, k * RECORDS),
    })),
    {
      name: 'cifar-10-batches-bin/batches.meta.txt',
      bytes: new TextEncoder().encode('airplane\nautomobile\n'),
    },
  ];
}

/** A folder `work` with an empty data folder `work/data`. */
function tempWork(): { work: string; root: string } {
  const work = mkdtempSync(join(tmpdir(), 'acsm-cifar10-ensure-'));
  const root = join(work, 'data');
  mkdirSync(root);
  return { work, root };
}

/** Python's tarfile writes the archive; returns its bytes. */
function archiveOf(work: string, members: TarMember[]): Uint8Array {
  const out = join(work, 'built.tar.gz');
  pythonTar(out, members);
  return new Uint8Array(readFileSync(out));
}

interface Server {
  url: (path: string) => string;
  requests: string[];
  close: () => Promise<void>;
}

/** Serves `body` on 127.0.0.1: /ok whole, /cut half then a reset. */
async function serve(body: Uint8Array): Promise<Server> {
  const requests: string[] = [];
  const send = (res: ServerResponse, path: string) => {
    if (path !== '/ok' && path !== '/cut') return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    if (path === '/ok') return res.end(body);
    res.write(body.subarray(0, body.length >> 1), () => res.destroy());
  };
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    send(res, req.url ?? '');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** Runs `body` with a work folder and a server, then removes both. */
async function withServer(
  members: (work: string) => TarMember[],
  body: (ctx: {
    root: string;
    work: string;
    archive: Uint8Array;
    server: Server;
  }) => Promise<void>,
): Promise<void> {
  const { work, root } = tempWork();
  const archive = archiveOf(work, members(work));
  const server = await serve(archive);
  try {
    await body({ root, work, archive, server });
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

test('ensureCifar10: download, MD5, extraction, then load', { skip }, () =>
  withServer(
    () => batchMembers(),
    async ({ root, archive, server }) => {
      const events: Cifar10Progress[] = [];
      const source = await ensureCifar10({
        dir: root,
        download: true,
        url: server.url('/ok'),
        md5: md5(archive),
        recordsPerBatch: RECORDS,
        onProgress: (p) => events.push(p),
      });
      assert.equal(source.state, 'extracted');
      assert.equal(source.present, true);
      assert.equal(source.path, join(root, 'cifar-10-batches-bin'));
      BATCHES.forEach((f, k) =>
        assert.equal(
          source.sha256?.[f],
          sha256(fakeBatch(RECORDS, k * RECORDS)),
        ),
      );
      const downloads = events.filter((e) => e.phase === 'download');
      assert.deepEqual(downloads.at(-1), {
        phase: 'download',
        bytes: archive.length,
        totalBytes: archive.length,
      });
      const last = events.at(-1);
      assert.equal(last?.phase, 'extract');
      assert.equal(last?.bytes, last?.totalBytes);
      // nothing but the archive and the folder; no temporary names left
      assert.deepEqual(readdirSync(root).sort(), [
        'cifar-10-batches-bin',
        CIFAR10_ARCHIVE,
      ]);
      const ds = loadCifar10({
        dir: root,
        split: 'test',
        recordsPerBatch: RECORDS,
      });
      assert.deepEqual([...ds.labels], [3, 4]);
      // present now: a second call makes no request
      await ensureCifar10({ dir: root, download: true, url: server.url('/x') });
      assert.deepEqual(server.requests, ['/ok']);
    },
  ),
);

test('ensureCifar10: without download, how to provide it', async () => {
  const { work, root } = tempWork();
  try {
    const described = describeCifar10Source(root);
    assert.equal(described.state, 'missing');
    assert.equal(described.present, false);
    assert.equal(described.path, CIFAR10_URL);
    assert.equal(described.md5, CIFAR10_ARCHIVE_MD5);
    await assert.rejects(
      ensureCifar10({ dir: root }),
      (e: Error) =>
        e.message.includes(CIFAR10_URL) &&
        e.message.includes(CIFAR10_ARCHIVE_MD5) &&
        e.message.includes('ACSM_DATA_DIR') &&
        e.message.includes('download: true'),
    );
    assert.deepEqual(readdirSync(root), []);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('ensureCifar10: a wrong MD5 leaves nothing behind', { skip }, () =>
  withServer(
    () => batchMembers(),
    async ({ root, archive, server }) => {
      const published = 'c'.repeat(32);
      await assert.rejects(
        ensureCifar10({
          dir: root,
          download: true,
          url: server.url('/ok'),
          md5: published,
        }),
        new RegExp(
          `download: ${server.url('/ok')} has MD5 ${md5(archive)} ` +
            `\\(${archive.length} bytes\\), the published MD5 is ${published}`,
        ),
      );
      assert.deepEqual(readdirSync(root), []);
    },
  ),
);

test('ensureCifar10: a broken connection or a 404 fails', { skip }, () =>
  withServer(
    () => batchMembers(),
    async ({ root, archive, server }) => {
      const options = { dir: root, download: true, md5: md5(archive) };
      await assert.rejects(
        ensureCifar10({ ...options, url: server.url('/cut') }),
        /download: http:\/\/127\.0\.0\.1:\d+\/cut (broke off after \d+ bytes|sent \d+ of \d+ bytes)/,
      );
      assert.deepEqual(readdirSync(root), []);
      await assert.rejects(
        ensureCifar10({ ...options, url: server.url('/gone') }),
        /download: GET http:\/\/127\.0\.0\.1:\d+\/gone answered 404 Not Found/,
      );
      assert.deepEqual(readdirSync(root), []);
    },
  ),
);

test(
  'ensureCifar10: an archive in the folder is checked, then used',
  {
    skip,
  },
  async () => {
    const { work, root } = tempWork();
    try {
      const archive = archiveOf(work, batchMembers());
      const local = join(root, CIFAR10_ARCHIVE);
      writeFileSync(local, archive);
      assert.equal(describeCifar10Source(root).state, 'archive');
      assert.equal(describeCifar10Source(root).path, local);
      const damaged = archive.slice();
      damaged[archive.length >> 1] ^= 0xff;
      writeFileSync(local, damaged);
      await assert.rejects(
        ensureCifar10({ dir: root, md5: md5(archive) }),
        new RegExp(
          `${CIFAR10_ARCHIVE} has MD5 ${md5(damaged)}, the published MD5 is ` +
            `${md5(archive)}: damaged`,
        ),
      );
      assert.deepEqual(readdirSync(root), [CIFAR10_ARCHIVE]);
      writeFileSync(local, archive);
      const source = await ensureCifar10({
        dir: root,
        md5: md5(archive),
        recordsPerBatch: RECORDS,
      });
      assert.equal(source.state, 'extracted');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

/** Extracting `archive` from the data folder must fail with `expected`. */
async function assertExtractFails(
  root: string,
  archive: Uint8Array,
  expected: RegExp,
): Promise<void> {
  writeFileSync(join(root, CIFAR10_ARCHIVE), archive);
  const options = { dir: root, md5: md5(archive), recordsPerBatch: RECORDS };
  await assert.rejects(ensureCifar10(options), expected);
  // nothing half-extracted: no batch folder, no temporary folder
  assert.deepEqual(readdirSync(root), [CIFAR10_ARCHIVE]);
}

test(
  'ensureCifar10: a truncated archive fails naming it',
  { skip },
  async () => {
    const { work, root } = tempWork();
    try {
      const archive = archiveOf(work, batchMembers());
      await assertExtractFails(
        root,
        archive.subarray(0, archive.length >> 1),
        /ensureCifar10: \S+cifar-10-binary\.tar\.gz is not a complete gzip stream \(unexpected end of file\)/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

test(
  'ensureCifar10: wrong members fail before any is written',
  {
    skip,
  },
  async () => {
    const { work, root } = tempWork();
    try {
      const evil = archiveOf(work, [
        ...batchMembers(),
        { name: '../evil.bin', bytes: new Uint8Array(3) },
      ]);
      await assertExtractFails(
        root,
        evil,
        /cifar-10-binary\.tar\.gz: member \.\.\/evil\.bin: member name "\.\.\/evil\.bin" is absolute, empty or leaves/,
      );
      assert.equal(existsSync(join(work, 'evil.bin')), false);
      const short = archiveOf(
        work,
        batchMembers({ 'data_batch_3.bin': fakeBatch(1) }),
      );
      await assertExtractFails(
        root,
        short,
        /member cifar-10-batches-bin\/data_batch_3\.bin has 3073 bytes, expected 6146 \(2 records of 3073 bytes\)/,
      );
      const badLabel = fakeBatch(2);
      badLabel[3073] = 12;
      await assertExtractFails(
        root,
        archiveOf(work, batchMembers({ 'test_batch.bin': badLabel })),
        /member cifar-10-batches-bin\/test_batch\.bin: record 1 has label 12, not 0\.\.9/,
      );
      const noTest = batchMembers().filter(
        (m) => !m.name.endsWith('test_batch.bin'),
      );
      await assertExtractFails(
        root,
        archiveOf(work, noTest),
        /member cifar-10-batches-bin\/test_batch\.bin is missing/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

test(
  'loadCifar10: a file changed since extraction fails',
  { skip },
  async () => {
    const { work, root } = tempWork();
    try {
      const archive = archiveOf(work, batchMembers());
      writeFileSync(join(root, CIFAR10_ARCHIVE), archive);
      await ensureCifar10({ dir: root, md5: md5(archive), recordsPerBatch: 2 });
      const file = join(root, 'cifar-10-batches-bin', 'test_batch.bin');
      const bytes = readFileSync(file);
      bytes[100] ^= 1;
      writeFileSync(file, bytes);
      assert.throws(
        () => loadCifar10({ dir: root, split: 'test', recordsPerBatch: 2 }),
        /test_batch\.bin has sha256 [0-9a-f]{64}, but SHA256SUMS recorded [0-9a-f]{64} when it was extracted/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
