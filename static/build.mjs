// Builds static/dist/ from static/src/ and the pinned npm packages: the design
// system's CSS and JavaScript, and the fonts the PDFs embed (core/pdf_fonts.py).
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

// The PDFs' fonts (Noto, SIL Open Font License, whose text goes with them): a Latin one and one per script
// that names are written in, regular and bold, each only the weights the PDFs use.
// core/pdf_fonts.py FONTS names the same files.
const fonts = join(dist, 'fonts')
mkdirSync(fonts, { recursive: true })
const families = {
  'noto-sans': 'NotoSans',
  'noto-nastaliq-urdu': 'NotoNastaliqUrdu',
  'noto-naskh-arabic': 'NotoNaskhArabic',
  'noto-sans-gurmukhi': 'NotoSansGurmukhi',
  'noto-sans-bengali': 'NotoSansBengali',
  'noto-sans-gujarati': 'NotoSansGujarati',
  'noto-sans-devanagari': 'NotoSansDevanagari'
}
for (const [pkg, family] of Object.entries(families)) {
  for (const [folder, weight] of [['400Regular', 'Regular'], ['700Bold', 'Bold']]) {
    copyFileSync(
      join(root, 'node_modules', '@expo-google-fonts', pkg, folder, `${family}_${folder}.ttf`),
      join(fonts, `${family}-${weight}.ttf`)
    )
  }
  copyFileSync(join(root, 'node_modules', '@expo-google-fonts', pkg, 'LICENSE_FONT'), join(fonts, `${family}-OFL.txt`))
}
console.log('Built design-system assets and PDF fonts into static/dist/')
