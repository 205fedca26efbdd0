// Progressive enhancement for the design-system components. Loaded as an
// external module because the Content-Security-Policy forbids inline script.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
