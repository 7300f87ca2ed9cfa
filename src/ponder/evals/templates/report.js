"use strict";
// The eval report's behaviour: the case table (sort, filter, search), each case's trajectory,
// the baseline's flips side by side. Everything is built with DOM calls and textContent:
// nothing from the records is ever parsed as HTML.
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const records = data.records;
  const base = data.baseline;
  const STATUSES = ["pass", "fail", "error", "unscored", "skipped"];
  const MARKS = { pass: "✓", fail: "✗", error: "!", unscored: "?", skipped: "–" };
  const flipOf = {};
  if (base) {
    base.pass_to_fail.forEach((k) => { flipOf[k] = "worse"; });
    base.fail_to_pass.forEach((k) => { flipOf[k] = "better"; });
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(0)}%`);
  const secs = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(2)} s`);
  const tokens = (r) => r.prompt_tokens + r.completion_tokens;
  const badge = (status) => el("span", { class: `badge ${status}`, text: `${MARKS[status] || ""} ${status}` });
  const json = (v) => JSON.stringify(v, null, 2);
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  // -- tabs ---------------------------------------------------------------------------------
  function showTab(name) {
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
    document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === `panel-${name}`));
  }
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));

  // -- one record's trajectory ----------------------------------------------------------------
  function callView(call) {
    if (!call.name) {
      return el("div", { class: "call failed" },
        el("div", { class: "call-line", text: "✗ unreadable tool call" }),
        el("pre", { text: call.output }));
    }
    const args = call.arguments || {};
    const meta = call.ok ? "ok" : `failed${call.error_kind ? `: ${call.error_kind}` : ""}`;
    return el("div", { class: `call${call.ok ? "" : " failed"}` },
      el("div", { class: "call-line", text: `→ ${call.name}(${JSON.stringify(args)})` }),
      Object.keys(args).length > 1 || JSON.stringify(args).length > 80 ? el("pre", { class: "args", text: json(args) }) : null,
      el("div", { class: "call-meta", text: `${call.ok ? "✓" : "✗"} ${meta}${call.seconds !== null && call.seconds !== undefined ? ` · ${secs(call.seconds)}` : ""}` }),
      el("pre", { class: "result", text: call.output || "(empty result)" }));
  }

  function stepView(step, calls) {
    const usage = `${step.prompt_tokens} prompt${step.prompt_tokens_evaluated !== null && step.prompt_tokens_evaluated !== undefined ? ` (${step.prompt_tokens_evaluated} read)` : ""} + ${step.completion_tokens} completion tokens`;
    return el("div", { class: "step" },
      el("div", { class: "step-head", text: `step ${step.step} · model ${secs(step.seconds)} · ${usage}` }),
      step.text.trim() ? el("pre", { class: "model-text", text: step.text }) : el("div", { class: "muted", text: "(no text)" }),
      calls.map(callView));
  }

  function trajectory(rec) {
    const steps = rec.step_records || [];
    const calls = rec.tool_calls || [];
    const parts = [];
    const stepNumbers = new Set(steps.map((s) => s.step));
    for (const step of steps) parts.push(stepView(step, calls.filter((c) => c.step === step.step)));
    const loose = calls.filter((c) => c.step === null || c.step === undefined || !stepNumbers.has(c.step));
    loose.forEach((c) => parts.push(callView(c)));
    if (!parts.length) parts.push(el("p", { class: "muted", text: rec.status === "skipped" ? "Not run (skipped)." : "No steps recorded." }));
    return parts;
  }

  function recordView(rec) {
    const facts = el("dl", {},
      el("dt", { text: "input" }), el("dd", { text: rec.input }),
      rec.expected !== null && rec.expected !== undefined ? [el("dt", { text: "expected" }), el("dd", { text: typeof rec.expected === "string" ? rec.expected : JSON.stringify(rec.expected) })] : null,
      el("dt", { text: "answer" }), el("dd", { class: "answer", text: rec.answer === null || rec.answer === undefined ? "(no answer)" : rec.answer }),
      el("dt", { text: "stopped" }), el("dd", { text: `${rec.stop_reason || "–"} · ${plural(rec.steps, "step")} · ${tokens(rec)} tokens · ${secs(rec.seconds)}${rec.cached !== "no" ? ` · from cache (${rec.cached})` : ""}` }),
      rec.reason ? [el("dt", { text: "why not" }), el("dd", { class: "bad", text: rec.reason })] : null);
    const grades = el("ul", { class: "grades" }, (rec.grades || []).map((g) => {
      const mark = g.error ? "!" : g.passed === true ? "✓" : g.passed === false ? "✗" : "?";
      const cls = g.error ? "warn" : g.passed === true ? "ok" : g.passed === false ? "bad" : "";
      const score = g.score !== null && g.score !== undefined && g.score !== 0 && g.score !== 1 ? ` (score ${g.score.toFixed(2)})` : "";
      return el("li", { class: `grade ${cls}` }, el("strong", { text: `${mark} ${g.grader}` }), `: ${g.error || g.reason || (g.passed ? "passed" : "no reason given")}${score}`);
    }));
    return el("div", { class: "record" }, facts,
      el("h4", { text: "Graders" }), rec.grades && rec.grades.length ? grades : el("p", { class: "muted", text: "No grader ran." }),
      el("h4", { text: `Trajectory · ${plural((rec.step_records || []).length || rec.steps, "model call")} · ${plural((rec.tool_calls || []).filter((c) => c.name).length, "tool call")}` }), trajectory(rec));
  }

  function detailView(rec) {
    const old = base && base.records[rec.key];
    if (!old) return recordView(rec);
    return el("div", { class: "side" },
      el("div", {}, el("h4", {}, "baseline ", badge(old.status), el("span", { class: "muted", text: ` ${base.label}` })), recordView(old)),
      el("div", {}, el("h4", {}, "this run ", badge(rec.status)), recordView(rec)));
  }

  // -- the case table -------------------------------------------------------------------------
  const columns = [
    { key: "status", label: "status", get: (r) => STATUSES.indexOf(r.status), cell: (r) => badge(r.status) },
    { key: "case", label: "case", get: (r) => r.key, cell: (r) => el("code", { text: r.key }) },
    { key: "tags", label: "tags", get: (r) => r.tags.join(","), cell: (r) => r.tags.map((t) => el("span", { class: "tag", text: t })) },
    base && {
      key: "baseline", label: "baseline", get: (r) => (base.records[r.key] ? STATUSES.indexOf(base.records[r.key].status) : 99),
      cell: (r) => [base.records[r.key] ? badge(base.records[r.key].status) : el("span", { class: "muted", text: "new" }),
        flipOf[r.key] ? el("span", { class: `flip ${flipOf[r.key]}`, text: flipOf[r.key] === "worse" ? " ↓ flipped" : " ↑ flipped" }) : null],
    },
    { key: "score", label: "score", num: true, get: (r) => (r.score === null ? -1 : r.score), cell: (r) => pct(r.score) },
    { key: "steps", label: "steps", num: true, get: (r) => r.steps, cell: (r) => r.steps },
    { key: "tokens", label: "tokens", num: true, get: tokens, cell: (r) => tokens(r).toLocaleString() },
    { key: "seconds", label: "seconds", num: true, get: (r) => r.seconds, cell: (r) => r.seconds.toFixed(2) },
    { key: "why", label: "why not", get: (r) => r.reason, cell: (r) => r.reason, cls: "why" },
  ].filter(Boolean);

  const state = { sort: null, dir: 1, search: "", statuses: new Set(), tag: "", flipsOnly: false, open: new Set() };
  const haystack = new Map(records.map((r) => [r, [r.key, r.input, r.answer || "", r.reason, r.tags.join(" "),
    JSON.stringify(r.expected), ...(r.tool_calls || []).map((c) => `${c.name} ${JSON.stringify(c.arguments)} ${c.output}`)].join("\n").toLowerCase()]));

  function visible() {
    const words = state.search.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = records.filter((r) => (!state.statuses.size || state.statuses.has(r.status))
      && (!state.tag || r.tags.includes(state.tag))
      && (!state.flipsOnly || flipOf[r.key])
      && words.every((w) => haystack.get(r).includes(w)));
    if (state.sort) {
      const col = columns.find((c) => c.key === state.sort);
      const order = new Map(records.map((r, i) => [r, i]));
      rows.sort((a, b) => {
        const x = col.get(a), y = col.get(b);
        const cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return cmp * state.dir || order.get(a) - order.get(b);
      });
    }
    return rows;
  }

  function caseRows(rec, cells, tbody) {
    const open = state.open.has(rec.key);
    const row = el("tr", { class: `case ${rec.status}${open ? " open" : ""}`, "data-key": rec.key, "aria-expanded": String(open),
      tabindex: "0", onclick: () => toggle(rec.key),
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(rec.key); } } }, cells(rec));
    tbody.append(row);
    if (open) tbody.append(el("tr", { class: "detail-row" }, el("td", { class: "detail", colspan: String(row.children.length) }, detailView(rec))));
  }

  function render() {
    const tbody = document.getElementById("cases-body");
    tbody.replaceChildren();
    const rows = visible();
    rows.forEach((rec) => caseRows(rec, (r) => columns.map((c) => el("td", { class: [c.num ? "num" : "", c.cls || ""].join(" ").trim() || null }, c.cell(r))), tbody));
    document.getElementById("shown").textContent = `${rows.length} of ${records.length} runs`;
    document.querySelectorAll("#cases-head th").forEach((th) => {
      th.setAttribute("aria-sort", th.dataset.key === state.sort ? (state.dir > 0 ? "ascending" : "descending") : "none");
    });
  }

  function toggle(key) {
    if (state.open.has(key)) state.open.delete(key); else state.open.add(key);
    history.replaceState(null, "", state.open.has(key) ? `#case=${encodeURIComponent(key)}` : location.pathname + location.search);
    render();
    renderFlips();
    document.querySelector(`.panel.active tr.case[data-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
  }

  document.getElementById("cases-head").append(...columns.map((c) => el("th", { class: c.num ? "num" : null, "data-key": c.key, text: c.label,
    onclick: () => { state.dir = state.sort === c.key ? -state.dir : (c.num ? -1 : 1); state.sort = c.key; render(); } })));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, records.filter((r) => r.status === s).length]));
  document.getElementById("status-filters").append(...STATUSES.filter((s) => counts[s]).map((s) => el("button", {
    class: "chip", "data-status": s, "aria-pressed": "false", text: `${s} ${counts[s]}`,
    onclick: (e) => {
      const on = !state.statuses.has(s);
      if (on) state.statuses.add(s); else state.statuses.delete(s);
      e.currentTarget.setAttribute("aria-pressed", String(on));
      render();
    },
  })));
  const tagSelect = document.getElementById("tag-filter");
  [...new Set(records.flatMap((r) => r.tags))].sort().forEach((t) => tagSelect.append(el("option", { value: t, text: t })));
  tagSelect.addEventListener("change", () => { state.tag = tagSelect.value; render(); });
  document.getElementById("search").addEventListener("input", (e) => { state.search = e.target.value; render(); });
  if (base) {
    const box = document.getElementById("flips-only");
    box.parentElement.hidden = false;
    box.addEventListener("change", () => { state.flipsOnly = box.checked; render(); });
  }

  // -- the comparison's flips ---------------------------------------------------------------
  function renderFlips() {
    const tbody = document.getElementById("flips-body");
    if (!tbody || !base) return;
    tbody.replaceChildren();
    const byKey = new Map(records.map((r) => [r.key, r]));
    const flipped = [...base.pass_to_fail, ...base.fail_to_pass].map((k) => byKey.get(k)).filter(Boolean);
    if (!flipped.length) tbody.append(el("tr", {}, el("td", { colspan: "5", class: "muted", text: "No run flipped between pass and fail." })));
    flipped.forEach((rec) => caseRows(rec, (r) => [
      el("td", {}, el("span", { class: `flip ${flipOf[r.key]}`, text: flipOf[r.key] === "worse" ? "↓ pass → fail" : "↑ fail → pass" })),
      el("td", {}, el("code", { text: r.key })), el("td", {}, badge(base.records[r.key].status)), el("td", {}, badge(r.status)),
      el("td", { class: "why", text: r.reason })], tbody));
  }

  const firstTab = location.hash === "#compare" ? "compare" : document.body.dataset.tab;
  if (firstTab && document.getElementById(`panel-${firstTab}`) && document.getElementById(`tab-${firstTab}`)) showTab(firstTab);
  const wanted = location.hash.startsWith("#case=") ? decodeURIComponent(location.hash.slice(6)) : null;
  if (wanted && records.some((r) => r.key === wanted)) state.open.add(wanted);
  render();
  renderFlips();
  if (wanted) document.querySelector(`tr.case[data-key="${CSS.escape(wanted)}"]`)?.scrollIntoView();
})();
