// Builds static/dist/ from static/src/ and the pinned govuk-frontend package.
// The output is generated, never committed (see .gitignore).
import { mkdirSync, copyFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const dist = join(root, 'static', 'dist')
mkdirSync(dist, { recursive: true })

const css = sass.compile(join(root, 'static', 'src', 'main.scss'), {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  quietDeps: true
})
writeFileSync(join(dist, 'main.css'), css.css)

copyFileSync(
  join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js'),
  join(dist, 'govuk-frontend.min.js')
)
copyFileSync(join(root, 'static', 'src', 'app.mjs'), join(dist, 'app.mjs'))
console.log('Built design-system assets into static/dist/')
