// Markdown tables and the goals check, from the results object run.mjs assembles.
const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d))
const plus = (x, d = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(d)}`

export const LABELS = {
  none: 'no hooks',
  sh: 'plain sh hook `exit 0`',
  node: "hook running `node -e ''`",
  gitvan: 'gitvan (gate + post-commit job)',
  'gitvan-post': 'gitvan (post-commit job only)',
  'gitvan-cached': 'gitvan gate, cached',
  'gitvan-nocache': 'gitvan gate, cache off',
  'gitvan-warm': 'gitvan (post-commit job only, runner already running)',
  husky: 'husky',
  lefthook: 'lefthook',
  'simple-git-hooks': 'simple-git-hooks',
  'pre-commit': 'pre-commit',
}

const ORDER = [
  'none',
  'sh',
  'node',
  'simple-git-hooks',
  'gitvan-warm',
  'gitvan-post',
  'gitvan',
  'gitvan-nocache',
  'gitvan-cached',
  'husky',
  'lefthook',
  'pre-commit',
]
const rank = (name) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length)
const ordered = (names) => [...names].sort((a, b) => rank(a) - rank(b))

const label = (name, versions, labels = {}) => {
  const v = versions?.[name]
  return `${labels[name] ?? LABELS[name] ?? name}${v ? ` ${v}` : ''}`
}

/** Added time over the no-hook baseline of the same scenario. */
export const added = (scenario, name) => {
  const row = scenario?.rows?.[name]
  const base = scenario?.rows?.none
  return row && base ? row.median - base.median : null
}

export function hookTable(title, scenario, versions) {
  if (!scenario) return ''
  const base = scenario.rows.none
  const names = ordered(
    new Set([
      ...Object.keys(scenario.rows),
      ...Object.keys(scenario.errors ?? {}),
      ...Object.keys(scenario.notes ?? {}),
    ]),
  )
  const lines = [
    `### ${title}`,
    '',
    `${scenario.runs} interleaved runs per runner after ${scenario.warmup} warm-up; ms per operation. CPU: the waited-for process tree; ` +
      "gitvan's detached runner (read from /proc, at least) is in its own column.",
    '',
    '| runner | median | p90 | + median | CPU (mean) | + CPU | detached runner CPU | |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const name of names) {
    const r = scenario.rows[name]
    const note = [scenario.errors?.[name], scenario.notes?.[name]].filter(Boolean).join('; ')
    if (!r) {
      lines.push(`| ${label(name, versions, scenario.labels)} | – | – | – | – | – | – | ${note || 'no samples'} |`)
      continue
    }
    lines.push(
      `| ${label(name, versions, scenario.labels)} | ${f(r.median)} | ${f(r.p90)} | ${name === 'none' ? '' : plus(r.median - base?.median)} | ${f(r.cpuMean)} | ${name === 'none' || r.cpuMean === null ? '' : plus(r.cpuMean - base?.cpuMean)} | ${scenario.runners?.[name] ? f(scenario.runners[name].cpuMsPerOp) : ''} | ${note} |`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** The one table for the README: time each runner adds, per operation. */
export function summaryTable(results) {
  const s = results.scenarios
  const cols = [
    ['empty commit', s.commit],
    ['commit, 1 staged file', s.staged],
    ['20-commit rebase', s.rebase20],
    ['100-commit rebase', s.rebase100],
    ['pre-commit gate only', s.gate],
  ].filter(([, sc]) => sc?.rows)
  const names = ordered(new Set(cols.flatMap(([, sc]) => Object.keys(sc.rows)))).filter((n) => n !== 'none')
  const base = cols.map(([name, sc]) => `${name} ${f(sc.rows.none?.median)} ms`).join(', ')
  const lines = [
    `Added wall time (median) over the same operation with no hooks (${base}); CPU = mean CPU of the whole waited-for process tree added per empty commit. ` +
      "gitvan's post-commit job runs in its detached runner after git returns; its CPU is in the scenario tables. " +
      "gitvan's gate is cached by content: an empty commit has the same tree every time, so after the first one its shim answers from the cache without starting node; " +
      'the staged-file and gate-only columns commit new content every time, so there the gate runs (uncached) on every commit. A rebase runs no pre-commit hook. ' +
      "'Cache off' is the same gate with `cache: { enabled: false }`: the difference to 'uncached' is what the cache costs a gate that must run.",
    '',
    `| runner | ${cols.map(([n]) => n).join(' | ')} | empty commit + CPU |`,
    `|---|${cols.map(() => '---:').join('|')}|---:|`,
  ]
  for (const name of names) {
    const cpu =
      s.commit?.rows?.[name]?.cpuMean !== undefined && s.commit?.rows?.none
        ? s.commit.rows[name].cpuMean - s.commit.rows.none.cpuMean
        : null
    lines.push(
      `| ${label(name, results.versions)} | ${cols.map(([, sc]) => plus(added(sc, name))).join(' | ')} | ${plus(cpu)} |`,
    )
  }
  // Rows that could not be timed say why under the table rather than vanish.
  const missing = cols.flatMap(([col, sc]) =>
    Object.entries({ ...sc.notes, ...sc.errors })
      .filter(([name, why]) => !sc.rows[name] && why)
      .map(([name, why]) => `- ${LABELS[name] ?? name}, ${col}: ${why}`),
  )
  return `${lines.join('\n')}\n${missing.length ? `\n${missing.join('\n')}\n` : ''}`
}

export function otherTables(results) {
  const s = results.scenarios
  const out = []
  const stages = ['commit', 'staged', 'rebase20', 'rebase100'].flatMap((k) =>
    Object.entries(s[k]?.stats ?? {}).map(([name, v]) => [`${k}, ${LABELS[name] ?? name}`, v]),
  )
  if (stages.length) {
    const q = (v) => (v ? `${f(v.p50)} / ${f(v.p95)}` : '–')
    out.push(
      "### gitvan's runner, per batch (`gitvan stats`: p50 / p95 ms)\n\n| scenario | batches | events | spool wait | plan | queue | run | publish |\n|---|---:|---:|---:|---:|---:|---:|---:|\n" +
        stages
          .map(
            ([k, v]) =>
              `| ${k} | ${v.batches} | ${v.events} | ${q(v.stages.spoolWaitMs)} | ${q(v.stages.planMs)} | ${q(v.stages.queueMs)} | ${q(v.stages.runMs)} | ${q(v.stages.publishMs)} |`,
          )
          .join('\n') +
        '\n',
    )
  }
  if (s.startup) {
    const r = s.startup.rows
    out.push(
      `### Start-up\n\n| process | median ms | p90 ms |\n|---|---:|---:|\n` +
        Object.entries(r)
          .map(([k, v]) => `| \`${k}\` | ${f(v.median)} | ${f(v.p90)} |`)
          .join('\n') +
        `\n\n\`gitvan --version\` / \`node -e ''\` = ${f(s.startup.ratio, 2)}\n`,
    )
  }
  if (s.memory) {
    out.push(
      s.memory.skipped
        ? `### Peak RSS\n\n${s.memory.skipped}\n`
        : `### Peak RSS\n\nLargest single process of a staged \`git commit\` (pre-commit + post-commit hooks), max over ${s.memory.runs} commits; gitvan's detached runner is separate.\n\n| process | peak RSS MB |\n|---|---:|\n` +
            ordered(Object.keys(s.memory.rows))
              .map((k) => `| ${LABELS[k] ?? k} | ${f(s.memory.rows[k].peakRssMB)} |`)
              .join('\n') +
            '\n' +
            Object.entries(results.runnerRss ?? {})
              .map(([k, v]) => `| gitvan runner (${k}) | ${f(v)} |`)
              .join('\n') +
            (Object.keys(s.memory.errors ?? {}).length
              ? `\n\n${Object.entries(s.memory.errors)
                  .map(([k, v]) => `- ${k}: ${v}`)
                  .join('\n')}`
              : '') +
            '\n',
    )
  }
  if (s.receipts) {
    out.push(
      s.receipts.skipped
        ? `### 1,000 receipts vs \`git notes add\`\n\n${s.receipts.skipped}\n`
        : `### ${s.receipts.count} receipts vs \`git notes add\` (\`bench/receipts.mjs\`)\n\n| writer | ms |\n|---|---:|\n| gitvan publish (one fast-import notes commit, one CAS) | ${f(s.receipts.gitvanMs)} |\n` +
            (s.receipts.gitvanRunMs === null
              ? ''
              : `| \`gitvan run --all\` end to end (node start, config, ${s.receipts.count} function jobs, publish) | ${f(s.receipts.gitvanRunMs)} |\n`) +
            `| \`git notes add\` × ${s.receipts.count}${s.receipts.notesAddSampled ? ` (${s.receipts.notesAddSampled})` : ''} | ${f(s.receipts.notesAddMs)} |\n\n` +
            `publish is ${f(s.receipts.speedup)}× faster than \`git notes add\`${s.receipts.gitvanRunMs === null ? '' : `; \`gitvan run\` end to end ${f(s.receipts.notesAddMs / s.receipts.gitvanRunMs)}×`}\n`,
    )
  }
  if (s.history) {
    const h = s.history
    out.push(
      h.skipped
        ? `### \`gitvan run --all\` over 10,000 commits\n\n${h.skipped}\n`
        : `### \`gitvan run --all\` over ${h.commits} commits\n\n| run | median ms | peak RSS MB | receipts after | runs | from the cache |\n|---|---:|---:|---:|---:|---:|\n` +
            [
              [
                `cold (no receipts, empty cache)${h.cold?.receiptsPerSecond ? `: ${h.cold.receiptsPerSecond} receipts/s` : ''}`,
                h.cold,
              ],
              ['warm (every receipt there)', h.warm],
              ['cached (receipts deleted, disk cache kept)', h.cached],
              [`reword (newest ${h.rewordCommits ?? 300} commits reworded, same trees)`, h.reword],
            ]
              .map(([k, v]) =>
                v
                  ? `| ${k} | ${f(v.median, 0)} | ${f(v.peakRssMB)} | ${v.receipts} | ${v.runs ?? '–'} | ${v.hits ?? '–'} |`
                  : `| ${k} | – | – | – | – | – |`,
              )
              .join('\n') +
            (h.errors?.length ? `\n\n${h.errors.map((e) => `- ${e}`).join('\n')}` : '') +
            '\n',
    )
  }
  if (s.remote) {
    const r = s.remote
    out.push(
      r.skipped
        ? `### Runners sharing a range through a git remote\n\n${r.skipped}\n`
        : `### ${r.runners} runners × ${r.commits} commits through a local \`git daemon\` (\`gitvan run --all --remote origin\`, a ${r.jobMs} ms job)\n\n| runners | wall ms | pushes | fetches | runs per runner |\n|---|---:|---:|---:|---|\n` +
            `| 1 | ${f(r.one.ms, 0)} | ${r.one.pushes} | ${r.one.fetches} | ${r.one.runsPerRunner.join(', ')} |\n` +
            `| ${r.runners} at once | ${f(r.many.ms, 0)} | ${r.many.pushes} | ${r.many.fetches} | ${r.many.runsPerRunner.join(', ')} |\n\n` +
            `each (job, commit) ran once with its receipt on the server: ${r.exactlyOnce ? 'yes' : 'NO'}\n`,
    )
  }
  if (s.templates) {
    const t = s.templates
    const row = (label, v) => (v ? `| ${label} | ${f(v.medianMs, 0)} | ${f(v.perSecond, 0)} |` : `| ${label} | – | – |`)
    const li = t.liquidImport
    out.push(
      `### Templates: \`gitvan run --all\` over ${t.commits} commits\n\n| job | median ms | runs/s |\n|---|---:|---:|\n` +
        [
          row('per-commit template onto refs/gitvan/outputs/summary', t.rows.template),
          row('plain receipt job (function)', t.rows.receipt),
        ].join('\n') +
        `\n\n${t.renderedFiles ?? 0} files on the output ref. LiquidJS import adds ${f(li.addedMs)} ms to a node start ` +
        `(${f(li.liquidMs)} ms against ${f(li.bareMs)} ms, median of interleaved runs; the import alone, timed in the process: ${f(li.importMs)} ms); only a process that renders pays it.` +
        (t.errors?.length ? `\n\n${t.errors.map((e) => `- ${e}`).join('\n')}` : '') +
        '\n',
    )
  }
  return out.join('\n')
}

/** Each goal of the issue: target, measured, met (null when not measured). */
export function goals(results) {
  const s = results.scenarios
  const g = []
  const check = (goal, measured, target, met, unit = 'ms') =>
    g.push({
      goal,
      target,
      measured: measured === null ? null : +measured.toFixed(2),
      unit,
      met: measured === null ? null : met,
    })
  const post = added(s.commit, 'gitvan-post')
  check('post-commit added per commit (gitvan-post, empty commit)', post, '≤ 3', post !== null && post <= 3)
  const cached = added(s.gate, 'gitvan-cached')
  check('cached pre-commit gate added per commit', cached, '≤ 10', cached !== null && cached <= 10)
  const rb = added(s.rebase20, 'gitvan')
  check('20-commit rebase added', rb, '≤ 40', rb !== null && rb <= 40)
  const sp = s.receipts?.speedup ?? null
  check('1,000 receipts vs git notes add (speed-up)', sp, '≥ 30', sp !== null && sp >= 30, '×')
  const ratio = s.startup?.ratio ?? null
  check("gitvan --version / node -e ''", ratio, '≤ 1.3', ratio !== null && ratio <= 1.3, '×')
  const rss = s.memory?.rows?.['gitvan hook pre-commit']?.peakRssMB ?? null
  check('hook process peak RSS', rss, '≤ 50', rss !== null && rss <= 50, 'MB')
  const gc = added(s.commit, 'gitvan')
  const hc = added(s.commit, 'husky')
  check(
    'added per empty commit (gate answered from the cache), gitvan below husky',
    gc,
    `< ${f(hc)} (husky)`,
    gc !== null && hc !== null && gc < hc,
  )
  const gs = added(s.staged, 'gitvan')
  const hs = added(s.staged, 'husky')
  check(
    'added per commit of new staged content (gate runs), gitvan below husky',
    gs,
    `< ${f(hs)} (husky)`,
    gs !== null && hs !== null && gs < hs,
  )
  const h = s.history
  const rps = h?.cold?.receiptsPerSecond ?? null
  check('gitvan run --all over 10,000 commits, cold', rps, '≥ 5000', rps !== null && rps >= 5000, 'receipts/s')
  const warmMs = h?.cached?.median ?? null
  check('… again after deleting the receipts (disk cache kept)', warmMs, '≤ 1500', warmMs !== null && warmMs <= 1500)
  const share = h?.cached?.runs ? (100 * h.cached.hits) / h.cached.runs : null
  check('… of which answered from the cache', share, '≥ 99', share !== null && share >= 99, '%')
  const hr = added(s.rebase20, 'husky')
  check(
    '20-commit rebase added, gitvan below a third of husky',
    rb,
    `< ${f(hr === null ? null : hr / 3)} (husky / 3)`,
    rb !== null && hr !== null && rb < hr / 3,
  )
  return g
}

export const goalsTable = (list) =>
  `| goal | target | measured | met |\n|---|---|---:|---|\n${list.map((x) => `| ${x.goal} | ${x.target} ${x.unit === '×' ? '×' : x.unit} | ${x.measured === null ? 'not measured' : `${x.measured} ${x.unit}`} | ${x.met === null ? '–' : x.met ? 'yes' : '**no**'} |`).join('\n')}\n`

/** A label with the versions run.mjs found (` {name}` for each), dropped where one is unknown. */
const versioned = (label, versions) =>
  label.replace(/ \{([^}]+)\}/g, (_, name) => (versions?.[name] ? ` ${versions[name]}` : ''))

const COMMIT_SAYS = {
  formatted: 'yes',
  unformatted: 'no: committed unformatted',
  refused: 'no: commit refused',
  'took the unstaged edit': 'no: the unstaged edit was committed',
  'nothing committed': 'no: nothing committed',
  other: 'no: something else was committed',
}
const workSays = (work) => {
  if (work === 'kept') return 'yes'
  if (work === 'kept, fix not in the work tree') return 'yes (the work tree keeps the unformatted staged half)'
  if (work === 'reformatted') return 'yes, but reformatted: the formatter saw it'
  if (work === 'lost') return 'no: lost'
  if (work.startsWith('misplaced: ')) return `no: put back ${work.slice(11)}, inside another function`
  if (work === 'fix in the work tree' || work === 'staged half as it was') return '– (nothing unstaged)'
  return `no: ${work}`
}
const afterSays = (o) =>
  o.commit === 'refused' && o.index === 'unformatted staged half' && o.work === 'kept'
    ? 'the fix is left unstaged in the work tree: stage it and commit again'
    : ''

/** Outcomes of the timed commits: one text per column, "yes" or "yes 6, no: ... 2" when they varied. */
function tallySays(tally, says) {
  const counts = new Map()
  for (const t of tally) counts.set(says(t), (counts.get(says(t)) ?? 0) + t.count)
  if (counts.size === 0) return '–'
  if (counts.size === 1) return [...counts.keys()][0]
  return [...counts].map(([text, n]) => `${text} (${n})`).join('; ')
}

/** The timed scenario "commit with a formatter". */
export function formatTable(scenario, versions) {
  if (!scenario) return ''
  const base = scenario.rows.none
  const names = [
    ...new Set([...Object.keys(scenario.labels), ...Object.keys(scenario.rows), ...Object.keys(scenario.errors ?? {})]),
  ]
  const sh = scenario.share
  const pct = (a, b) => (a === null || b === null || b === 0 ? '–' : `${((100 * a) / b).toFixed(0)} %`)
  const split = scenario.split ?? {}
  const lines = [
    `### Commit with a formatter (prettier ${versions?.prettier ?? ''}: a partially staged file with a formatting error in its staged half)`,
    '',
    `${scenario.runs} interleaved runs per runner after ${scenario.warmup} warm-up; ms per \`git commit\`. Before each, untimed, f.js gets a new formatting error in its staged half ` +
      '(`git add`) and an unstaged edit appended below it; the fix turns one line into three, so the lines below it move. ' +
      '"+ median" and "+ CPU" are over the same commit with no hooks (CPU: mean of the waited-for process tree). ' +
      'The last columns say what the timed commits did, read back untimed after each: does the commit hold the formatted staged half (and nothing of the unstaged edit), ' +
      'and does the work tree keep the unstaged edit where it was, on top of the formatted staged half.',
    '',
    '| runner | median | min | max | + median | + CPU | commit holds the formatted staged half | keeps the unstaged edit | |',
    '|---|---:|---:|---:|---:|---:|---|---|---|',
  ]
  for (const name of names) {
    const r = scenario.rows[name]
    const o = scenario.outcomes?.[name]
    const label = versioned(scenario.labels[name] ?? name, versions)
    const note = [
      scenario.errors?.[name],
      o ? tallySays(o.tally, afterSays) : '',
      o?.said && o.tally.some((t) => t.commit === 'refused') ? `the hook said: "${o.said}"` : '',
    ]
      .filter((x) => x && x !== '–')
      .join('; ')
    if (!r) {
      lines.push(`| ${label} | – | – | – | – | – | – | – | ${note || 'no samples'} |`)
      continue
    }
    const commit = o ? tallySays(o.tally, (t) => COMMIT_SAYS[t.commit] ?? t.commit) : '–'
    const work = o ? tallySays(o.tally, (t) => workSays(t.work)) : '–'
    lines.push(
      `| ${label} | ${f(r.median)} | ${f(r.min)} | ${f(r.max)} | ${name === 'none' ? '' : plus(r.median - base?.median)} | ${name === 'none' || r.cpuMean === null ? '' : plus(r.cpuMean - base?.cpuMean)} | ${commit} | ${work} | ${note} |`,
    )
  }
  lines.push(
    '',
    "**gitvan's hiding and restoring**, from the wall times of this run: gitvan with `fix: true` on the partially staged file " +
      'against the same gate without `fix` on the file fully staged (nothing saved, hidden or re-staged), as the median of the per-round differences ' +
      `(a round times every runner once, so the two share its load): ${plus(sh.staging)} ms of gitvan's ${plus(sh.added)} ms over no hooks (${pct(sh.staging, sh.added)}); ` +
      `backup and re-staging alone (\`fix: true\` on the file fully staged − no fix) ${plus(sh.backupRestage)} ms, hiding the unstaged part and merging it back (\`fix: true\`, partially − fully staged) ${plus(sh.hideMerge)} ms. ` +
      "Each is a difference of two processes that start node and prettier, so it carries their noise; the in-process split below doesn't.",
  )
  const s = split.gitvan
  const n = split['gitvan-nofix']
  if (s && n && !s.error && !n.error) {
    lines.push(
      '',
      `In-process, from \`gitvan hook pre-commit --performance-stats\` with \`GITVAN_DEBUG=1\` (the shim run as git runs it, on the same starting states, untimed, ${s.n} runs each, medians in ms): ` +
        `the hook's own time (its run minus the prettier job) is ${f(s.own)} with \`fix\` on the partially staged file and ${f(n.own)} without \`fix\` on the fully staged file; ` +
        `the median of the per-round differences, what hiding and restoring take with the backup, is ${plus(sh.inProcess)} ms, ${pct(sh.inProcess, s.total)} of the hook process's ${f(s.total)} ms ` +
        `(backup and re-staging alone, \`fix\` on the file fully staged − no fix: ${plus(sh.inProcessBackupRestage)} ms). ` +
        `The whole hook process, prettier included, differs by ${plus(sh.inProcessHookTotal)} ms (median of the per-round differences of its total): that one carries prettier's noise.`,
      '',
      '| gitvan hook process | total | node start-up | command load | run | of it, the prettier job | run − job |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...['gitvan', 'gitvan-fullfix', 'gitvan-nofix']
        .filter((k) => split[k] && !split[k].error)
        .map((k) => {
          const x = split[k]
          return `| ${versioned(scenario.labels[k] ?? k, versions)} | ${f(x.total)} | ${f(x.startup)} | ${f(x.load)} | ${f(x.run)} | ${f(x.job, 0)} | ${f(x.own)} |`
        }),
    )
  }
  for (const [k, x] of Object.entries(split)) if (x.error) lines.push('', `- split of ${k} failed: ${x.error}`)
  return `${lines.join('\n')}\n`
}

/** The verify phase of the format scenario: what every runner did with each case. */
export function formatVerifyTable(verify, versions) {
  if (!verify) return ''
  const lines = [
    '### Verify: commit with a formatter (each runner once per case)',
    '',
    ...(verify.prettier ? [`prettier check: ${verify.prettier}`, ''] : []),
    '| runner | fix moves the lines below it: commit holds the formatted staged half | keeps the unstaged edit | fix in place: commit holds the formatted staged half | keeps the unstaged edit | |',
    '|---|---|---|---|---|---|',
  ]
  for (const [name, v] of Object.entries(verify.runners)) {
    if (v.error) {
      lines.push(`| ${name} | – | – | – | – | ${v.error} |`)
      continue
    }
    const cell = (o) => `${COMMIT_SAYS[o.commit] ?? o.commit} | ${workSays(o.work)}`
    const notes = Object.values(v.cases)
      .map((o) => [afterSays(o), o.said ? `the hook said: "${o.said}"` : ''].filter(Boolean).join('; '))
      .filter(Boolean)
    lines.push(
      `| ${versioned(v.label, versions)} | ${cell(v.cases.moves)} | ${cell(v.cases.inPlace)} | ${[...new Set(notes)].join('; ')} |`,
    )
  }
  return `${lines.join('\n')}\n`
}
