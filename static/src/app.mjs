// Progressive enhancement for the design-system components. Loaded as an
// external module because the Content-Security-Policy forbids inline script.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// A long job's page (templates/core/job.html): ask how far it has got every
// few seconds until it is done. The bar and the count follow each answer; the
// status line, which screen readers announce, changes only when it is done or
// when the page can no longer ask (signed out in another tab: the answer is the
// sign-in page, not JSON), and then it says so and stops asking.
// The page's own words, in its language, come in its data attributes.
for (const panel of document.querySelectorAll('[data-job-progress]')) {
  if (panel.hasAttribute('data-finished')) continue
  const bar = panel.querySelector('progress')
  const count = panel.querySelector('[data-job-count]')
  const status = panel.querySelector('[data-job-summary]')
  const file = panel.querySelector('[data-job-file]')
  const leave = panel.querySelector('[data-job-leave]')
  const ask = async () => {
    let response
    try {
      response = await fetch(panel.dataset.jobProgress, { headers: { Accept: 'application/json' } })
    } catch (error) {
      // The connection dropped for a moment: ask again at the next turn.
      window.setTimeout(ask, 2000)
      return
    }
    const isJson = (response.headers.get('Content-Type') || '').startsWith('application/json')
    if (response.redirected || [401, 403, 404].includes(response.status) || (response.ok && !isJson)) {
      status.textContent = panel.dataset.stoppedFollowing
      return
    }
    if (response.ok) {
      const job = await response.json()
      if (job.finished || bar.hasAttribute('value')) {
        bar.max = Math.max(job.total, 1)
        bar.value = job.total ? job.sent : 1 // what is done: failures are said in words
      }
      count.textContent = job.summary
      if (job.finished) {
        count.hidden = true
        status.textContent = job.status
        if (leave) leave.hidden = true
        if (job.file) {
          const link = file.querySelector('a')
          link.href = job.file
          link.textContent = panel.dataset.downloadPattern.replace('{file_name}', job.file_name)
          file.hidden = false
        }
        return
      }
    }
    window.setTimeout(ask, 2000) // a server error may pass: ask again
  }
  window.setTimeout(ask, 2000)
}
