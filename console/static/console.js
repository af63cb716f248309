// pinfold console: live job progress. Pages mark what to refresh with
// data-poll (a JSON URL of the console); this script fetches it every
// second and updates the page in place, and stops when every job shown has
// ended. No framework, no build step.
"use strict";

(function () {
  const POLL_MS = 1000;

  function text(id, v) {
    const el = document.getElementById(id);
    if (el) el.textContent = v;
  }

  function setStatus(el, status) {
    el.textContent = status;
    el.dataset.status = status;
    el.className = "status status-" + status;
  }

  function poll(url, apply) {
    let timer = null;
    async function tick() {
      let more = true;
      try {
        const resp = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (resp.status === 401) { location.reload(); return; }
        if (resp.ok) more = apply(await resp.json());
      } catch (e) {
        // The node may be restarting: try again.
      }
      if (more) timer = setTimeout(tick, POLL_MS);
    }
    timer = setTimeout(tick, POLL_MS);
    return () => clearTimeout(timer);
  }

  // One job's page.
  const job = document.getElementById("job");
  if (job && job.dataset.finished !== "true") {
    poll(job.dataset.poll, function (j) {
      setStatus(document.getElementById("job-status"), j.status);
      document.getElementById("job-progress").value = j.percent;
      text("job-percent", j.percent);
      text("job-pieces", j.totalPieces);
      text("job-pieces-done", j.completedPieces);
      text("job-pieces-failed", j.failedPieces);
      text("job-processed", j.processed);
      text("job-failed", j.failedEndpoints);
      text("job-planned", j.planned);
      text("job-completed", j.completed || "");
      // The chart is SVG written by the server (console/chart.go).
      document.getElementById("job-chart").innerHTML = j.chart;
      const fl = document.getElementById("job-failures");
      fl.replaceChildren(...j.failures.map(function (f) {
        const li = document.createElement("li"); li.textContent = f; return li;
      }));
      document.getElementById("no-failures").hidden = j.failures.length > 0;
      if (j.finished) {
        const files = document.getElementById("job-files");
        files.replaceChildren(...j.files.map(function (f) {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = f.url; a.textContent = f.key; a.setAttribute("download", "");
          const s = document.createElement("span"); s.className = "muted"; s.textContent = " " + f.size;
          li.append(a, s); return li;
        }));
        const none = document.getElementById("no-files");
        none.textContent = "No files.";
        none.hidden = j.files.length > 0;
      }
      return !j.finished;
    });
  }

  // An app's job table: rows are added for new jobs and updated in place.
  const jobs = document.getElementById("jobs");
  if (jobs) {
    const body = jobs.tBodies[0];
    poll(jobs.dataset.poll, function (rows) {
      let running = false;
      rows.slice().reverse().forEach(function (j) {
        running = running || !j.finished;
        let tr = body.querySelector('tr[data-job="' + j.id + '"]');
        if (!tr) {
          tr = document.createElement("tr");
          tr.dataset.job = j.id;
          const cells = [];
          for (let i = 0; i < 6; i++) cells.push(document.createElement("td"));
          const a = document.createElement("a"); a.href = j.url; a.className = "id"; a.textContent = j.id;
          cells[0].append(a);
          cells[1].textContent = j.type;
          const st = document.createElement("span"); cells[2].append(st);
          const pr = document.createElement("progress"); pr.max = 100;
          const pc = document.createElement("span"); pc.className = "pieces";
          cells[3].append(pr, " ", pc);
          cells[4].className = "num processed";
          cells[5].textContent = j.created;
          tr.append(...cells);
          body.prepend(tr);
        }
        setStatus(tr.querySelector(".status") || tr.cells[2].firstChild, j.status);
        tr.querySelector("progress").value = j.percent;
        tr.querySelector(".pieces").textContent = j.completedPieces + "/" + j.totalPieces + " pieces";
        tr.querySelector(".processed").textContent = j.processed;
      });
      document.getElementById("no-jobs").hidden = rows.length > 0;
      // Keep polling while the page is open: a job may be created at any
      // time.
      return true;
    });
  }
})();
