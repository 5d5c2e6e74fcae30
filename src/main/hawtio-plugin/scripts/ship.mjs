// After webpack: adds the part of Monaco that Hawtio 4.2's Source tab loads (it would fetch it from a CDN) and writes
// files.txt, the list io.chain429.ops.ConsolePlugin copies from the classpath next to the console.
import { cpSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const out = process.env.OUT || join(here, '..', 'dist')
const vs = join(here, '..', 'node_modules', 'monaco-editor', 'min', 'vs')
// the editor, its AMD loader and base, and the XML mode the Source tab uses (not the other languages: 6 MB)
for (const part of ['loader.js', 'base', 'editor/editor.main.js', 'editor/editor.main.css', 'editor/editor.main.nls.js',
  'basic-languages/xml']) {
  cpSync(join(vs, part), join(out, 'monaco', 'vs', part), { recursive: true })
}

const files = []
const walk = dir => {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    if (statSync(file).isDirectory()) walk(file)
    else if (name !== 'files.txt') files.push(relative(out, file).split('\\').join('/'))
  }
}
walk(out)
writeFileSync(join(out, 'files.txt'), files.sort().join('\n') + '\n')
console.log(`429chain view: ${files.length} files in ${out}`)
