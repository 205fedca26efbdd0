// Progressive enhancement for the design-system components. Loaded as an
// external module because the Content-Security-Policy forbids inline script.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// A long job's page (templates/core/job.html): ask how far it has got every
// few seconds until it is done. The bar and the count follow each answer; the
// status line, which screen readers announce, changes only when it is done.
for (const panel of document.querySelectorAll('[data-job-progress]')) {
  if (panel.hasAttribute('data-finished')) continue
  const bar = panel.querySelector('progress')
  const count = panel.querySelector('[data-job-count]')
  const status = panel.querySelector('[data-job-summary]')
  const file = panel.querySelector('[data-job-file]')
  const ask = async () => {
    try {
      const response = await fetch(panel.dataset.jobProgress, { headers: { Accept: 'application/json' } })
      if (response.ok) {
        const job = await response.json()
        if (job.finished || bar.hasAttribute('value')) {
          bar.max = Math.max(job.total, 1)
          bar.value = job.total ? job.sent + job.failed : 1
        }
        count.textContent = job.summary
        if (job.finished) {
          status.textContent = 'Finished: ' + job.summary
          if (job.file) file.hidden = false
          return
        }
      }
    } catch (error) {
      // The connection dropped for a moment: ask again at the next turn.
    }
    window.setTimeout(ask, 2000)
  }
  window.setTimeout(ask, 2000)
}
