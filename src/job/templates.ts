/**
 * A job's templates: the data they see (DESIGN 3.2) and their rendering, for runJob. The commits'
 * metadata and tags come from the caller when it read them in bulk for a whole batch
 * (`JobInput.templateFacts`); otherwise from two git reads here (a gate, a single run).
 * A failure names the template file and line, the job and the commit; nothing is written.
 */
import { commitInfos, readTags } from '../git/history.js'
import { NO_COMMIT, type TemplateData } from '../template/data.js'
import type { OutputWrite } from '../template/place.js'
import { missingTemplate, type RenderFailure, renderTemplateFile } from '../template/render.js'
import type { CommitInfo, Job } from '../types.js'
import type { JobInput, TemplateFacts } from './input.js'

/** Reads the facts of `commits` from git: for a run without facts read ahead. */
const readFacts: (input: JobInput) => TemplateFacts = (input) => async (commits) => {
  const where = { root: input.root, ...(input.env ? { env: input.env } : {}) }
  const [infos, tags] = await Promise.all([commitInfos(where, commits), readTags(where)])
  return { commits: infos, tags }
}

/** The data a template of this run sees; `data` is what the job's `run` returned. */
export async function templateData(jobId: string, input: JobInput, data: unknown): Promise<TemplateData> {
  const wanted = [...new Set([input.commit, ...input.commits])].filter((oid) => oid !== '')
  const facts = await (input.templateFacts ?? readFacts(input))(wanted)
  const info = (oid: string): CommitInfo => facts.commits.get(oid) ?? { ...NO_COMMIT, oid, short: oid.slice(0, 7) }
  const tags = [...(facts.tags.get(input.commit) ?? [])].sort()
  return {
    commit: input.commit === '' ? NO_COMMIT : info(input.commit),
    commits: input.commits.filter((oid) => oid !== '').map(info),
    files: input.files,
    branch: input.branch ?? null,
    tag: tags[0] ?? null,
    tags,
    job: jobId,
    hook: input.hook,
    data: data ?? null,
  }
}

export type TemplateOutcome =
  | { readonly ok: true; readonly writes: readonly OutputWrite[]; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly code: string; readonly message: string }

/** Renders every template of the job, in order; the first failure stops it. */
export async function renderJobTemplates(job: Job, input: JobInput, data: unknown): Promise<TemplateOutcome> {
  for (const file of job.templates) {
    const missing = missingTemplate(input.root, file)
    if (missing) return failure(job, input, missing)
  }
  let templateInput: TemplateData
  try {
    templateInput = await templateData(job.id, input, data)
  } catch (error) {
    const code =
      typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'GIT_FAILED'
    return {
      ok: false,
      code,
      message: `job '${job.id}': could not read what its templates see: ${(error as Error).message}`,
    }
  }
  const writes: OutputWrite[] = []
  const skipped: string[] = []
  for (const file of job.templates) {
    const rendered = await renderTemplateFile(input.root, file, templateInput)
    if (!rendered.ok) return failure(job, input, rendered)
    writes.push(...rendered.writes)
    skipped.push(...rendered.skipped)
  }
  return { ok: true, writes, skipped }
}

function failure(job: Job, input: JobInput, rendered: RenderFailure): TemplateOutcome {
  const commit = input.commit === '' ? 'no commit yet' : `commit ${input.commit.slice(0, 12)}`
  const what = rendered.code === 'UNSAFE_PATH' ? 'template output refused' : 'template error'
  return {
    ok: false,
    code: rendered.code,
    message: `${what}: ${rendered.message} (job '${job.id}', ${commit}; template named in ${job.source})`,
  }
}
