/**
 * Issue 19: the operator console in a real browser (Debian's chromium, headless) against
 * `npm run dev` (wrangler dev + the emulator). Asserts what the operator sees and what reached
 * the emulator; saves a screenshot of each screen to test/browser/artifacts/ (git-ignored).
 * Run with `npm run test:browser` (builds the console first).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import type { CallRecord } from '../../emulator/client.ts'
import {
  ARTIFACTS,
  DEMO_KEY,
  launchBrowser,
  type Stack,
  startStack,
  VERIFY_SECONDS,
} from './stack.ts'

/** A key whose allow covers one stream/app only. */
const NARROW_KEY = 'narrow-key-for-the-console-test'
const sha = (key: string) => createHash('sha256').update(key).digest('hex')
const CLIENTS = [
  { id: 'demo', api_key_sha256: [sha(DEMO_KEY)], allow: ['*/*'] },
  { id: 'narrow', api_key_sha256: [sha(NARROW_KEY)], allow: ['orders/audit'] },
]
/** The demo world's committed checkpoint the tests reset (emulator/seed.ts). */
const TARGET = { stream: 'events', app: 'billing', partition: 'shardId-0000000007' }

let stack: Stack
let browser: Browser

before(async () => {
  ;[stack, browser] = await Promise.all([startStack(CLIENTS), launchBrowser()])
})
after(async () => {
  await browser?.close()
  await stack?.stop()
})

interface Session {
  context: BrowserContext
  page: Page
  /** Every request URL the page made, and every CSP violation it reported. */
  urls: string[]
  cspViolations: string[]
}

async function openConsole(viewport = { width: 1280, height: 800 }): Promise<Session> {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  const urls: string[] = []
  const cspViolations: string[] = []
  page.on('request', (r) => urls.push(r.url()))
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
  })
  await page.goto(`${stack.gateway}/console`)
  return { context, page, urls, cspViolations }
}

async function signIn(s: Session, key: string): Promise<void> {
  await s.page.getByLabel('API key').fill(key)
  await s.page.getByRole('button', { name: 'Sign in' }).click()
  await s.page.getByRole('navigation', { name: 'Screens' }).waitFor()
}

/** A screen's link in the console's navigation. */
function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name })
}

async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? ''
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

async function showPositions(page: Page, stream: string, app: string): Promise<void> {
  await nav(page, 'Positions').click()
  await page.getByLabel('Stream', { exact: true }).fill(stream)
  await page.getByLabel('App', { exact: true }).fill(app)
  await page.getByRole('button', { name: /Show positions|Refresh/ }).click()
}

function commits(calls: CallRecord[]): { partition_id: string; sequence_number: string }[] {
  return calls
    .filter((c) => c.route === 'commit_checkpoint' && c.source !== 'live_consumer')
    .map((c) => JSON.parse(c.body ?? '{}'))
}

interface Range {
  earliest: string
  next: string
}
interface Positions {
  partitions: {
    partition_id: string
    sequence_number: string | null
    range?: Range
    position?: string | null
    lag?: string | null
  }[]
}
interface Plan {
  partitions: {
    partition_id: string
    previous: string | null
    position: string | null
    committed: string | null
    result: string
  }[]
}

/** The console's rounding of where `at` sits in the range (console/src/ui.tsx percentIn). */
function percent(range: Range, at: string): string {
  const a = BigInt(range.earliest)
  const b = BigInt(range.next)
  return (Number(((BigInt(at) - a) * 10000n) / (b - a)) / 100).toFixed(0)
}

/** The emulator's stored checkpoints of one stream/app: partition → sequence number. */
async function checkpointsOf(stream: string, app: string): Promise<Map<string, string>> {
  return new Map(
    (await stack.emulator.checkpoints())
      .filter((c) => c.stream_name === stream && c.app_name === app)
      .map((c) => [c.partition_id, c.sequence_number])
  )
}

interface ResetPost {
  body: Record<string, unknown>
  ifMatch: string | undefined
  status?: number
  etag?: string
  answer?: Plan
  /** Everything above has been read. */
  done: boolean
}

/** Every POST /v1/resets the page makes: its body, its If-Match, and what it got back. */
function recordResetPosts(page: Page): ResetPost[] {
  const posts: ResetPost[] = []
  page.on('response', async (response) => {
    const request = response.request()
    if (request.method() !== 'POST' || !request.url().endsWith('/v1/resets')) return
    const post: ResetPost = {
      body: JSON.parse(request.postData() ?? '{}'),
      ifMatch: (await request.allHeaders())['if-match'],
      status: response.status(),
      done: false,
    }
    posts.push(post)
    post.etag = (await response.headerValue('etag')) ?? undefined
    if (response.ok()) post.answer = (await response.json()) as Plan
    post.done = true
  })
  return posts
}

/** The n-th recorded POST once it has been read completely. */
async function settled(posts: ResetPost[], n: number): Promise<ResetPost> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const post = posts[n]
    if (post?.done) return post
    assert.ok(Date.now() < deadline, `POST /v1/resets #${n + 1} was made and answered`)
    await new Promise((done) => setTimeout(done, 50))
  }
}

/** How many pixels the page itself is wider than the screen. */
function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => {
    const d = (
      globalThis as unknown as {
        document: { documentElement: { scrollWidth: number; clientWidth: number } }
      }
    ).document.documentElement
    return d.scrollWidth - d.clientWidth
  })
}

describe('operator console', () => {
  test('sign in with the demo key, see a delete-reset in history, undo it: the emulator gets the CommitCheckpoint', async () => {
    // The reset, made through the API as a service would.
    const response = await fetch(
      `${stack.gateway}/v1/checkpoints?stream_name=${TARGET.stream}&app_name=${TARGET.app}&partition_id=7`,
      { method: 'DELETE', headers: { Authorization: `Bearer ${DEMO_KEY}` } }
    )
    const receipt = (await response.json()) as {
      reset_id: string
      previous: { sequence_number: string | null }[]
    }
    assert.equal(response.status, 200)
    const previous = receipt.previous[0]?.sequence_number
    assert.ok(previous, 'the demo checkpoint was committed before the reset')

    const s = await openConsole()
    await shot(s.page, 'sign-in')
    await signIn(s, DEMO_KEY)

    // Positions: the table per partition.
    await showPositions(s.page, TARGET.stream, TARGET.app)
    const row = s.page.getByRole('row', { name: new RegExp(TARGET.partition) })
    await row.waitFor()
    assert.equal(await s.page.getByRole('row').count(), 1 + 12)
    assert.match(await textOf(row), /—/) // deleted: no checkpoint
    await shot(s.page, 'positions')

    // History lists the reset; its detail shows before → after.
    await nav(s.page, 'History').click()
    const link = s.page.getByRole('link', { name: receipt.reset_id })
    await link.waitFor()
    await shot(s.page, 'history')
    await link.click()
    const partitionRow = s.page.getByRole('row', { name: new RegExp(TARGET.partition) })
    await partitionRow.waitFor()
    assert.match(await textOf(partitionRow), new RegExp(`${previous}\\s*→\\s*deleted`))
    await shot(s.page, 'history-entry')

    await stack.emulator.resetCalls()
    await s.page.getByRole('button', { name: 'Undo this reset' }).click()
    await s.page.getByText('undo completed').first().waitFor()
    await shot(s.page, 'history-entry-undone')
    const sent = commits((await stack.emulator.calls()).requests)
    assert.deepEqual(
      sent.map((c) => [c.partition_id, c.sequence_number]),
      [[TARGET.partition, previous]]
    )
    const restored = (await stack.emulator.checkpoints()).find(
      (c) =>
        c.stream_name === TARGET.stream &&
        c.app_name === TARGET.app &&
        c.partition_id === TARGET.partition
    )
    assert.equal(restored?.sequence_number, previous)

    // The key stayed in this tab's sessionStorage, out of every URL, cookie and localStorage.
    const storage = await s.page.evaluate(() => {
      const g = globalThis as unknown as { sessionStorage: Storage; localStorage: Storage }
      return { session: Object.values({ ...g.sessionStorage }), local: g.localStorage.length }
    })
    assert.ok(storage.session.includes(DEMO_KEY))
    assert.equal(storage.local, 0)
    assert.deepEqual(await s.context.cookies(), [])
    assert.ok(s.urls.every((u) => !u.includes(DEMO_KEY)))
    assert.deepEqual(s.cspViolations, [])

    // Sign out forgets it.
    await s.page.getByRole('button', { name: 'Sign out' }).click()
    await s.page.getByLabel('API key').waitFor()
    const after = await s.page.evaluate(() =>
      Object.values({ ...(globalThis as unknown as { sessionStorage: Storage }).sessionStorage })
    )
    assert.ok(!after.includes(DEMO_KEY))
    await s.context.close()
  })

  test('the console is served with a strict CSP; API routes still reach the Worker', async () => {
    const page = await fetch(`${stack.gateway}/console/`)
    await page.body?.cancel()
    assert.equal(page.status, 200)
    const csp = page.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
    const api = await fetch(`${stack.gateway}/v1/resets`)
    await api.body?.cancel()
    assert.equal(api.status, 401)
    assert.ok(api.headers.get('x-request-id'), 'answered by the gateway, not the assets')
  })

  test('undo over a newer consumer commit: the conflict is shown, force needs a confirmation', async () => {
    const partition = 'shardId-0000000003'
    const response = await fetch(
      `${stack.gateway}/v1/checkpoints?stream_name=events&app_name=billing&partition_id=3`,
      { method: 'DELETE', headers: { Authorization: `Bearer ${DEMO_KEY}` } }
    )
    const receipt = (await response.json()) as {
      reset_id: string
      previous: { sequence_number: string | null }[]
    }
    assert.equal(response.status, 200)
    const previous = receipt.previous[0]?.sequence_number
    assert.ok(previous)
    // A consumer commits after the reset.
    await stack.emulator.setCheckpoints([
      { stream_name: 'events', app_name: 'billing', partition_id: partition, sequence_number: '4' },
    ])
    const s = await openConsole()
    await signIn(s, DEMO_KEY)
    await s.page.goto(`${stack.gateway}/console/#/history/${receipt.reset_id}`)
    await stack.emulator.resetCalls()
    await s.page.getByRole('button', { name: 'Undo this reset' }).click()
    await s.page.getByRole('list', { name: 'Conflicts' }).waitFor()
    assert.match(await textOf(s.page.getByRole('alert')), /409/)
    assert.match(await textOf(s.page.getByRole('list', { name: 'Conflicts' })), /committed 4/)
    const force = s.page.getByRole('button', { name: 'Force undo' })
    assert.equal(await force.isDisabled(), true)
    assert.equal(commits((await stack.emulator.calls()).requests).length, 0, 'nothing restored')
    await shot(s.page, 'history-undo-conflict')
    await s.page.getByLabel(/I understand that forcing overwrites/).check()
    await force.click()
    await s.page.getByText('undo completed').first().waitFor()
    assert.deepEqual(
      commits((await stack.emulator.calls()).requests).map((c) => [
        c.partition_id,
        c.sequence_number,
      ]),
      [[partition, previous]]
    )
    await s.context.close()
  })

  test('a wrong key is refused at sign-in with the problem shown', async () => {
    const s = await openConsole()
    await s.page.getByLabel('API key').fill('not-a-key')
    await s.page.getByRole('button', { name: 'Sign in' }).click()
    const alert = s.page.getByRole('alert')
    await alert.waitFor()
    assert.match(await textOf(alert), /401/)
    await s.context.close()
  })

  test('a key outside allow sees a clear 403, and nothing reaches the emulator for it', async () => {
    const s = await openConsole()
    await signIn(s, NARROW_KEY)
    // A stream/app no other test touches: an earlier test's verification re-read (a few
    // seconds after its reset) may still reach the emulator while this one runs.
    const forbidden = { stream: 'big', app: 'audit' }
    await showPositions(s.page, forbidden.stream, forbidden.app)
    const alert = s.page.getByRole('alert')
    await alert.waitFor()
    const text = await textOf(alert)
    assert.match(text, /403/)
    assert.match(text, /forbidden/)
    await shot(s.page, 'forbidden')
    const forStream = (await stack.emulator.calls()).requests.filter(
      (r) =>
        r.path.includes(`/streams/${forbidden.stream}`) ||
        r.query.stream_name?.includes(forbidden.stream)
    )
    assert.deepEqual(forStream, [])
    await s.context.close()
  })

  test('works at phone width: positions and history fit', async () => {
    const s = await openConsole({ width: 390, height: 844 })
    await signIn(s, DEMO_KEY)
    await showPositions(s.page, 'orders', 'billing')
    await s.page.getByRole('table').waitFor()
    // No sideways scrolling of the page itself (tables scroll inside their own box).
    const overflow = await overflowOf(s.page)
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`)
    await shot(s.page, 'positions-phone')
    await nav(s.page, 'Move').click()
    await s.page.getByRole('button', { name: 'Review' }).waitFor()
    await shot(s.page, 'move-phone')
    await s.page.getByRole('button', { name: 'Review' }).click()
    await s.page.getByText('Stop your consumers first').waitFor()
    assert.ok((await overflowOf(s.page)) <= 0, 'the review fits the phone screen too')
    await shot(s.page, 'move-review-phone')
    await s.context.close()
  })

  test("positions show a bar per partition inside the retained range, at the API's numbers", async () => {
    const api = (await (
      await fetch(
        `${stack.gateway}/v1/checkpoints?stream_name=orders&app_name=billing&partition_id=all`,
        { headers: { Authorization: `Bearer ${DEMO_KEY}` } }
      )
    ).json()) as Positions
    assert.ok(api.partitions.length > 0)
    const s = await openConsole()
    await signIn(s, DEMO_KEY)
    await showPositions(s.page, 'orders', 'billing')
    await s.page.getByRole('table').waitFor()
    for (const p of api.partitions) {
      assert.ok(p.range && p.position, `${p.partition_id} has a range and a position`)
      const row = s.page.getByRole('row', { name: new RegExp(p.partition_id) })
      const cells = await row.getByRole('cell').allTextContents()
      assert.deepEqual(cells.slice(0, 4), [
        p.sequence_number ?? '—',
        `${p.range.earliest} – ${p.range.next}`,
        p.position,
        p.lag ?? '—',
      ])
      const label = await row.getByRole('img').getAttribute('aria-label')
      assert.equal(
        label,
        `${p.partition_id}: retained ${p.range.earliest} to ${p.range.next}, position at ${percent(p.range, p.position)} %`
      )
    }
    assert.match(
      await textOf(s.page.locator('.summary')),
      /read at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/
    )
    assert.equal(await s.page.getByText('not available on this gateway').count(), 0)
    await shot(s.page, 'positions-bars')
    await s.context.close()
  })

  test('rewind 1 hour on all partitions: review, apply with If-Match, held, undo restores', async () => {
    const stream = 'payments'
    const before = await checkpointsOf(stream, 'billing')
    assert.equal(before.size, 4)
    const s = await openConsole()
    const posts = recordResetPosts(s.page)
    await signIn(s, DEMO_KEY)
    await nav(s.page, 'Move').click()
    await s.page.getByLabel('Stream', { exact: true }).fill(stream)
    await s.page.getByLabel('App', { exact: true }).fill('billing')
    // The defaults are the point: all partitions, rewind by 1 hour.
    assert.equal(await s.page.getByLabel('All partitions').isChecked(), true)
    assert.equal(await s.page.getByLabel('Rewind by a duration').isChecked(), true)
    assert.equal(await s.page.getByLabel('Rewind by', { exact: true }).inputValue(), '1')
    assert.equal(await s.page.getByLabel('Unit').inputValue(), 'H')
    await stack.emulator.resetCalls()
    await s.page.getByRole('button', { name: 'Review' }).click()
    await s.page.getByText('Stop your consumers first').waitFor()
    assert.equal(
      commits((await stack.emulator.calls()).requests).length,
      0,
      'a plan commits nothing'
    )
    const plan = await settled(posts, 0)
    assert.ok(plan?.answer && plan.etag, 'the dry run answered a plan with an ETag')
    assert.equal(plan.answer.partitions.length, 4)
    for (const p of plan.answer.partitions) {
      const row = s.page.getByRole('row', { name: new RegExp(p.partition_id) })
      assert.match(await textOf(row), new RegExp(`${p.previous}\\s*→\\s*${p.position}`))
      assert.match(
        (await row.getByRole('img').getAttribute('aria-label')) ?? '',
        /retained \d+ to \d+, position at \d+ %, new at \d+ %/
      )
      assert.match(await textOf(row), /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/)
    }
    await shot(s.page, 'move-review')

    await s.page.getByRole('button', { name: 'Apply' }).click()
    const resetLink = s.page.getByRole('link', { name: /^rst_/ })
    await resetLink.waitFor()
    await shot(s.page, 'move-result')
    const applied = await settled(posts, 1)
    assert.equal(applied?.ifMatch, plan.etag, "apply carried the plan's ETag as If-Match")
    assert.equal(applied?.body.dry_run, undefined)
    const planned = plan.answer.partitions
      .filter((p) => p.result === 'planned')
      .map((p) => [p.partition_id, p.committed])
    assert.equal(planned.length, 4)
    assert.deepEqual(
      commits((await stack.emulator.calls()).requests)
        .map((c) => [c.partition_id, c.sequence_number])
        .sort(),
      planned.sort(),
      'one CommitCheckpoint per changed partition, with the reviewed numbers'
    )
    const resetId = await textOf(resetLink)

    await resetLink.click()
    await s.page.getByText(/^Held/).waitFor({ timeout: (VERIFY_SECONDS + 20) * 1000 })
    await shot(s.page, 'history-held')
    await stack.emulator.resetCalls()
    await s.page.getByRole('button', { name: 'Undo this reset' }).click()
    await s.page.getByText('undo completed').first().waitFor()
    await shot(s.page, 'history-undone')
    assert.equal(commits((await stack.emulator.calls()).requests).length, 4)
    assert.deepEqual(await checkpointsOf(stream, 'billing'), before, 'every partition restored')
    await nav(s.page, 'History').click()
    const listed = s.page.getByRole('row', { name: new RegExp(resetId) })
    await listed.waitFor()
    assert.match(await textOf(listed), /held/)
    assert.match(await textOf(listed), /undo completed/)
    await s.context.close()
  })

  test("a partition moved between review and apply: 412 shows what moved, a fresh review applies, the live consumer's overwrite is unmistakable", async () => {
    const s = await openConsole()
    const posts = recordResetPosts(s.page)
    await signIn(s, DEMO_KEY)
    await nav(s.page, 'Move').click()
    await s.page.getByLabel('Stream', { exact: true }).fill('orders')
    await s.page.getByLabel('App', { exact: true }).fill('billing')
    await s.page.getByLabel('Earliest retained record (replay everything)').check()
    await s.page.getByRole('button', { name: 'Review' }).click()
    await s.page.getByText('Stop your consumers first').waitFor()
    // The emulator's live consumer reads 5 more records and commits, between review and apply.
    const live = { stream_name: 'orders', app_name: 'billing' }
    try {
      await stack.emulator.setConsumer({ ...live, running: true, delay_ms: 0 })
      await stack.emulator.consume({ ...live, partition_id: '1', count: '5' })
      const deadline = Date.now() + 5000
      while (
        (await stack.emulator.consumers()).find(
          (c) => c.app_name === 'billing' && c.stream_name === 'orders'
        )?.commits === 0
      ) {
        assert.ok(Date.now() < deadline, 'the live consumer committed')
        await new Promise((done) => setTimeout(done, 100))
      }
      const moved = (await checkpointsOf('orders', 'billing')).get('shardId-0000000001')
      await stack.emulator.resetCalls()
      await s.page.getByRole('button', { name: 'Apply' }).click()
      const alert = s.page.getByRole('alert')
      await alert.waitFor()
      assert.match(await textOf(alert), /412/)
      assert.match(await textOf(alert), /Checkpoints changed/)
      const list = s.page.getByRole('list', { name: 'What moved since the review' })
      assert.match(
        await textOf(list.getByRole('listitem').filter({ hasText: 'shardId-0000000001' })),
        new RegExp(`reviewed at 10, now ${moved} \\(moved\\)`)
      )
      assert.equal(await list.getByText('(moved)').count(), 1, 'only partition 1 moved')
      await shot(s.page, 'move-412')
      const refused = await settled(posts, 1)
      assert.equal(refused.status, 412)
      assert.equal(refused.ifMatch, (await settled(posts, 0)).etag)
      assert.equal(
        commits((await stack.emulator.calls()).requests).length,
        0,
        'nothing was changed'
      )

      // A fresh review sees the consumer's commit and applies; the consumer still runs, and
      // writes its own positions back over the move a second later.
      await stack.emulator.setConsumer({ ...live, delay_ms: 1000 })
      await s.page.getByRole('button', { name: 'Review again' }).click()
      const row = s.page.getByRole('row', { name: /shardId-0000000001/ })
      await row.filter({ hasText: new RegExp(`${moved}\\s*→\\s*0`) }).waitFor()
      await s.page.getByRole('button', { name: 'Apply' }).click()
      const resetLink = s.page.getByRole('link', { name: /^rst_/ })
      await resetLink.waitFor()
      await resetLink.click()
      const overwritten = s.page.getByText(/^OVERWRITTEN/)
      await overwritten.waitFor({ timeout: (VERIFY_SECONDS + 20) * 1000 })
      await shot(s.page, 'history-overwritten')
      await nav(s.page, 'History').click()
      await s.page.getByRole('table').waitFor()
      assert.match(await textOf(s.page.getByRole('row').nth(1)), /overwritten/)
      await shot(s.page, 'history-list')
    } finally {
      await stack.emulator.setConsumer({ ...live, running: false })
    }
    await s.context.close()
  })
})
