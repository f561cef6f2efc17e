/**
 * A real `git daemon` on 127.0.0.1 serving (and accepting pushes to) the bare repositories under
 * one directory; started and stopped by the test that uses it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'

export type Daemon = { readonly url: (name: string) => string; readonly stop: () => Promise<void> }

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

export async function startDaemon(base: string, env: NodeJS.ProcessEnv): Promise<Daemon> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--listen=127.0.0.1',
      `--port=${port}`,
      `--base-path=${base}`,
      '--export-all',
      '--enable=receive-pack',
      '--informative-errors',
      base,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  for (let i = 0; !(await accepts(port)); i++) {
    if (child.exitCode !== null || i > 500) {
      child.kill()
      throw new Error(`git daemon did not start on port ${port}: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    url: (name) => `git://127.0.0.1:${port}/${name}`,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}
