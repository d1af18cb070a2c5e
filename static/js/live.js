// The meeting room, live: the screen, the facilitator's console and a colleague's phone.
// Each page starts from the state embedded in it, then follows the session's stream (Server-Sent
// Events). It shows when it is offline, reconnects with backoff, catches up with Last-Event-ID,
// and falls back to polling where a network blocks streaming. Everything is built with DOM
// methods and textContent; the only HTML taken from the server is the Markdown our server cleans.
(() => {
  "use strict";

  const root = document.getElementById("live-root") || document.body;
  const mode = root.dataset.live;
  if (!mode) return;

  const readJSON = (id) => JSON.parse(document.getElementById(id).textContent);
  let state = readJSON("live-state");
  const phases = document.getElementById("live-phases") ? readJSON("live-phases") : [];
  const phaseIndex = (key) => phases.findIndex((p) => p.key === key);
  let lastId = Number(root.dataset.eventId || 0);
  let clockOffset = Number(root.dataset.serverMs || Date.now()) - Date.now();
  const userId = Number(root.dataset.userId || 0);
  const liveBase = root.dataset.liveBase || "";
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');

  // --- small DOM helpers -----------------------------------------------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "html") node.innerHTML = value; // only Markdown cleaned by the server
      else if (key === "hidden") node.hidden = true;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const svg = (tag, attrs, ...children) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : document.createTextNode(child));
    return node;
  };
  const bindAll = (name, text) => document.querySelectorAll(`[data-bind="${name}"]`).forEach((n) => { n.textContent = text; });
  const fmtMedian = (m) => (m === null || m === undefined ? "" : String(Math.round(m * 10) / 10));

  // --- the clock and the timer: the end time comes from the server ---------------------------
  const serverNow = () => Date.now() + clockOffset;
  function timerText(timer) {
    let seconds = timer.running ? Math.round((timer.ends_at_ms - serverNow()) / 1000) : timer.remaining_s;
    const over = seconds < 0;
    seconds = Math.abs(seconds);
    const mm = Math.floor(seconds / 60);
    const ss = String(seconds % 60).padStart(2, "0");
    return { text: `${over ? "+" : ""}${mm}:${ss}`, over, running: timer.running };
  }
  function tick() {
    const t = timerText(state.timer);
    document.querySelectorAll("[data-timer]").forEach((node) => {
      node.textContent = t.over ? `${t.text} over` : t.text;
      node.classList.toggle("is-over", t.over);
      node.classList.toggle("is-paused", !t.running);
      node.setAttribute("aria-label", `Time left: ${node.textContent}${t.running ? "" : " (paused)"}`);
    });
    const idle = state.timer.remaining_s === state.timer.slot_s ? "Timer not started" : "Paused";
    document.querySelectorAll("[data-timer-label]").forEach((node) => { node.textContent = t.running ? "" : idle; });
  }

  // --- the connection ------------------------------------------------------------------------
  // Three ways to follow the room, always said in words: live (the stream), polling (the stream is
  // blocked, or ?transport=poll), offline (neither answers). Only the live way is silent on the wall.
  const status = {
    live: "", offline: "Offline: reconnecting…", signedOut: "Signed out: sign in again to follow the room",
    polling: "Updating every few seconds",
    fallback: "Updating every few seconds: this network blocks live updates",
  };
  function showStatus(kind) {
    const wall = mode === "screen" || mode === "panel-screen"; // nothing on the room's screen unless wrong
    document.querySelectorAll("[data-connection]").forEach((node) => {
      node.dataset.state = kind === "fallback" ? "polling" : kind;
      node.textContent = status[kind] || (wall ? "" : "Live");
      node.hidden = wall && kind === "live";
    });
    document.body.dataset.liveMode = kind;
    document.body.classList.toggle("is-offline", kind === "offline");
  }

  function accept(id, newState) {
    if (id <= lastId && id !== 0) return;
    if (id > lastId) lastId = id;
    state = newState;
    render();
  }

  // window.liveTuning: a page set up before this script (the browser tests) may shorten these.
  const tuning = window.liveTuning || {};
  const FALLBACK_AFTER = tuning.fallbackAfter || 3; // streams in a row that end before their first event
  const POLL_MS = tuning.pollMs || 2000;
  const TRY_STREAM_EVERY = tuning.tryStreamEvery || 30; // polls (about a minute) between tries of the stream
  const connection = {
    source: null, attempts: 0, fruitless: 0, retryTimer: null, helloTimer: null, pollTimer: null,
    polling: false, pollRun: 0,
    forced: root.dataset.transport === "poll" || document.body.dataset.transport === "poll",
    start() {
      window.addEventListener("offline", () => { this.stop(); showStatus("offline"); });
      window.addEventListener("online", () => { this.attempts = 0; this.stop(); this.connect(); });
      this.connect();
    },
    stopStream() {
      if (this.source) { this.source.close(); this.source = null; }
      clearTimeout(this.retryTimer); clearTimeout(this.helloTimer);
    },
    stopPolling() { this.polling = false; this.pollRun += 1; clearTimeout(this.pollTimer); },
    stop() { this.stopStream(); this.stopPolling(); },
    connect() {
      if (this.forced || this.fruitless >= FALLBACK_AFTER) this.startPolling(); else this.openStream();
    },
    openStream() {
      this.stopStream();
      const url = `${root.dataset.streamUrl}?last_event_id=${lastId}`;
      const source = new EventSource(url);
      this.source = source;
      let greeted = false;
      // A proxy that buffers the stream never lets the first event through: that counts as a failure too.
      this.helloTimer = setTimeout(() => { if (!greeted) this.streamFailed(false); }, 8000);
      source.addEventListener("hello", (e) => {
        greeted = true; clearTimeout(this.helloTimer);
        this.attempts = 0; this.fruitless = 0;
        this.stopPolling();
        clockOffset = JSON.parse(e.data).server_ms - Date.now();
        showStatus("live");
      });
      source.addEventListener("ping", (e) => { clockOffset = JSON.parse(e.data).server_ms - Date.now(); });
      source.addEventListener("state", (e) => accept(Number(e.lastEventId), JSON.parse(e.data)));
      source.addEventListener("bye", () => { this.openStream(); }); // the server's bounded stream ended: go on at once
      // Refused (a proxy's 403 or 502, a full server's 503), reset, or dropped: EventSource says only "error".
      source.onerror = () => { if (this.source === source) this.streamFailed(greeted); };
    },
    streamFailed(greeted) {
      this.stopStream();
      if (!greeted) this.fruitless += 1;
      if (this.polling) return; // a try of the stream while polling: polling goes on, and tries again later
      if (!navigator.onLine) { showStatus("offline"); return; } // the "online" event reconnects
      this.checkSignedIn();
      if (this.fruitless >= FALLBACK_AFTER) { this.startPolling(); return; }
      showStatus("offline");
      const delay = Math.min(30000, 1000 * 2 ** this.attempts) * (0.5 + Math.random() / 2);
      this.attempts += 1;
      this.retryTimer = setTimeout(() => this.openStream(), delay);
    },
    checkSignedIn() {
      fetch(`${root.dataset.stateUrl}?since=${lastId}`, { headers: { Accept: "application/json" }, redirect: "manual" })
        .then((r) => { if (r.type === "opaqueredirect" || r.status === 401) showStatus("signedOut"); })
        .catch(() => {});
    },
    startPolling() {
      this.stop();
      this.polling = true;
      const run = this.pollRun;
      const current = () => this.polling && this.pollRun === run; // a stream that came back ends this loop
      let polls = 0, misses = 0;
      const poll = () => {
        if (!current()) return;
        polls += 1;
        // Now and then, try the stream again while polling goes on (a forced ?transport=poll never does).
        if (!this.forced && polls % TRY_STREAM_EVERY === 0) this.openStream();
        fetch(`${root.dataset.stateUrl}?since=${lastId}`, { headers: { Accept: "application/json" }, redirect: "manual" })
          .then((r) => {
            if (!current()) return null;
            if (r.type === "opaqueredirect") { showStatus("signedOut"); return null; }
            if (!r.ok) throw new Error(String(r.status));
            misses = 0;
            showStatus(this.forced ? "polling" : "fallback");
            return r.status === 204 ? null : r.json();
          })
          .then((data) => {
            if (!current()) return;
            if (data) { clockOffset = data.server_ms - Date.now(); accept(data.id, data.state); }
            this.pollTimer = setTimeout(poll, POLL_MS);
          })
          .catch(() => {
            if (!current()) return;
            showStatus("offline");
            misses += 1;
            this.pollTimer = setTimeout(poll, Math.min(30000, POLL_MS * 2 ** misses));
          });
      };
      poll();
    },
  };

  // --- posting the console's forms without leaving the page ----------------------------------
  function post(form) {
    const errorBox = form.querySelector(".form-error");
    if (errorBox) { errorBox.hidden = true; errorBox.textContent = ""; }
    const body = new FormData(form);
    // Type, Enter, next item: the box empties at once; the text comes back only if it was not saved.
    const box = form.hasAttribute("data-clear-on-success") ? form.querySelector("textarea") : null;
    const sent = box ? box.value : "";
    if (box) { box.value = ""; box.focus(); }
    const restore = () => { if (box && !box.value.trim()) box.value = sent; };
    // getAttribute: a field called "action" would shadow form.action.
    return fetch(form.getAttribute("action"), { method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => {
        if (data.event) accept(data.event.id, data.event.state);
        if (!ok) {
          restore();
          const message = data.message || "That did not work. Please try again.";
          if (errorBox) { errorBox.textContent = message; errorBox.hidden = false; } else flash(message);
          return data;
        }
        if (data.message) flash(data.message, true);
        return data;
      })
      .catch(() => {
        restore();
        const message = "Not sent: the connection dropped. Your text is still here; try again.";
        if (errorBox) { errorBox.textContent = message; errorBox.hidden = false; } else flash(message);
        return { ok: false };
      });
  }
  function flash(message, ok) {
    let box = document.getElementById("live-flash");
    if (!box) {
      box = el("p", { id: "live-flash", class: "flash", role: "status" });
      document.querySelector("main").prepend(box);
    }
    box.className = ok ? "flash" : "flash flash-error";
    box.textContent = message;
  }
  function formFor(action, fields, label, cls) {
    const form = el("form", { method: "post", action, class: "inline-form", "data-live-form": true },
      el("input", { type: "hidden", name: "csrf_token", value: csrfMeta ? csrfMeta.content : "" }),
      Object.entries(fields).map(([name, value]) => el("input", { type: "hidden", name, value })),
      el("button", { type: "submit", class: cls || "button-secondary" }, ...[label].flat()));
    return form;
  }

  // --- the screen ------------------------------------------------------------------------
  let previewPhase = null;
  const currentPhase = () => phases[phaseIndex(previewPhase || state.phase)] || phases[0];
  const items = (key) => state.sections[key] || [];

  const MAP = [
    { title: "What are we worried about?", cls: "col-worried", blocks: [
      { key: "past_harm", label: "Past harm", phase: "past_harm" },
      { key: "worries", label: "Worries (future danger)", phase: "worries" },
      { key: "complicating_factors", label: "Complicating factors", phase: "complicating_factors" }] },
    { title: "What's working well?", cls: "col-well", blocks: [
      { key: "strengths", label: "Existing strengths", phase: "working_well" },
      { key: "existing_safety", label: "Existing safety", phase: "working_well" }] },
    { title: "What needs to happen?", cls: "col-needs", blocks: [
      { key: "danger_statements", label: "Danger statements", phase: "danger_statements" },
      { key: "safety_goals", label: "Safety goals", phase: "safety_goals" },
      { key: "next_steps", label: "Next steps", phase: "next_steps" }] },
  ];
  const entriesOf = (key) => (key === "danger_statements" || key === "safety_goals"
    ? state[key].map((d) => ({ ...d, html: null })) : items(key));

  function entryNode(entry, tag) {
    return el(tag || "li", { class: entry.carried ? "entry carried" : "entry" },
      entry.html ? el("div", { class: "entry-text", html: entry.html }) : el("p", { class: "entry-text", text: entry.text }),
      entry.carried ? el("span", { class: "tag", text: "Carried forward" }) : null);
  }

  function screenMap(focusPhase) {
    const count = MAP.reduce((n, col) => n + col.blocks.reduce((m, b) => m + entriesOf(b.key).length, 0), 0);
    const grid = el("div", { class: `map${count > 40 ? " denser" : count > 24 ? " dense" : ""}` });
    for (const col of MAP) {
      const column = el("section", { class: `map-column ${col.cls}` }, el("h2", { text: col.title }));
      for (const block of col.blocks) {
        const focus = focusPhase === block.phase;
        const list = entriesOf(block.key);
        column.append(el("div", { class: focus ? "map-block is-focus" : "map-block" },
          el("h3", {}, block.label, focus ? el("span", { class: "now", text: "Now" }) : null),
          list.length ? el("ul", {}, list.map((e) => entryNode(e))) : el("p", { class: "empty", text: focus ? "Nothing yet: the room's words go here." : "—" })));
      }
      grid.append(column);
    }
    return grid;
  }

  function screenList(keys, numbered) {
    const wrap = el("div", { class: "big-list" });
    for (const key of keys) {
      const list = entriesOf(key);
      if (keys.length > 1) wrap.append(el("h2", { text: (MAP.flatMap((c) => c.blocks).find((b) => b.key === key) || {}).label }));
      if (!list.length) { wrap.append(el("p", { class: "empty", text: "Nothing yet: the room's words go here." })); continue; }
      const ol = el(numbered ? "ol" : "ul", { class: list.length > 6 ? "two-columns" : null }, list.map((e) => {
        const node = entryNode(e);
        if (e.answers) node.append(el("span", { class: "tag", text: `Answers danger statement ${e.answers}` }));
        return node;
      }));
      wrap.append(ol);
    }
    return wrap;
  }

  function screenContext() {
    const figure = state.genogram
      ? el("figure", { class: "genogram" }, el("img", { src: state.genogram, alt: `Genogram of the ${state.family}` }))
      : el("figure", { class: "genogram placeholder" },
        el("p", { class: "placeholder-title", text: "Genogram" }),
        el("p", { text: "The family's genogram will show here once the genogram drawing is available for this case." }));
    const facts = el("section", { class: "facts" },
      el("h2", { text: "Children" }),
      el("ul", {}, state.children.map((c) => el("li", { text: c.age === null ? c.name : `${c.name}, ${c.age}` }))),
      el("h2", { text: "Legal status" }), el("p", { text: state.legal_status }),
      state.presenter ? [el("h2", { text: "Presenting" }), el("p", { text: state.presenter })] : null,
      el("h2", { text: "Facilitating" }), el("p", { text: state.facilitator.name }));
    return el("div", { class: "context" }, figure, facts);
  }

  function screenReview() {
    const { reviewed, open } = state.review;
    return el("div", { class: "review" },
      el("section", {}, el("h2", { text: "Reviewed today" }),
        reviewed.length ? el("ul", {}, reviewed.map((r) => el("li", {}, el("strong", { text: r.outcome }), ` ${r.description}`, r.note ? ` — ${r.note}` : "")))
          : el("p", { class: "empty", text: "None reviewed yet." })),
      el("section", {}, el("h2", { text: "Still to review" }),
        open.length ? el("ul", {}, open.map((a) => el("li", {}, a.description, el("span", { class: "who", text: ` — ${a.owner}${a.due ? `, due ${a.due}` : ""}` }))))
          : el("p", { class: "empty", text: "No open actions from the last session." })));
  }

  function scaleFigure(result, large) {
    // Large: the room's screen, names beside the marks. Small: a console or a phone; the names are in the list.
    const W = large ? 1600 : 560, left = large ? 70 : 30, right = W - left, y = 240;
    const x = (n) => left + (n * (right - left)) / 10;
    const given = result.marks.filter((m) => m.score !== null);
    const figure = svg("svg", { viewBox: `0 0 ${W} 400`, class: "scale-svg", role: "img",
      "aria-label": `Scores on the 0 to 10 line: ${given.map((m) => `${m.name ? `${m.name} ` : ""}${m.score}`).join(", ")}; median ${fmtMedian(result.median)}` });
    figure.append(svg("line", { x1: left, y1: y, x2: right, y2: y, class: "axis" }));
    for (let n = 0; n <= 10; n += 1) {
      figure.append(svg("line", { x1: x(n), y1: y - 14, x2: x(n), y2: y + 14, class: "tick" }));
      figure.append(svg("text", { x: x(n), y: y + 52, class: "tick-label", "text-anchor": "middle" }, String(n)));
    }
    if (result.median !== null) {
      figure.append(svg("line", { x1: x(result.median), y1: y - 36, x2: x(result.median), y2: y + 64, class: "median" }));
      figure.append(svg("text", { x: x(result.median), y: y + 98, class: "median-label", "text-anchor": "middle" }, `median ${fmtMedian(result.median)}`));
    }
    // Marks of the same score stack upwards; named rounds put each person's first name beside their mark.
    const counts = {};
    given.forEach((m) => { counts[m.score] = (counts[m.score] || 0) + 1; });
    const tallest = Math.max(1, ...Object.values(counts));
    const step = Math.min(42, 190 / tallest);
    const stacks = {};
    given.forEach((m) => {
      const level = (stacks[m.score] = (stacks[m.score] || 0) + 1);
      const cy = y - 36 - (level - 1) * step;
      figure.append(svg("circle", { cx: x(m.score), cy, r: large ? 14 : 12, class: "mark" }, svg("title", {}, `${m.name || "A colleague"}: ${m.score}`)));
      if (large && m.name && step >= 26) {
        figure.append(svg("text", { x: x(m.score) + 22, y: cy + 8, class: "mark-label" }, m.name.split(" ")[0]));
      }
    });
    if (result.family) {
      const fx = x(result.family.score);
      figure.append(svg("rect", { x: fx - 13, y: y + 118, width: 26, height: 26, class: "family" }, svg("title", {}, `The family: ${result.family.score}`)));
      if (large) figure.append(svg("text", { x: fx + 22, y: y + 140, class: "mark-label" }, "the family"));
    }
    return figure;
  }

  function resultSummary(result) {
    const parts = [];
    if (result.given) parts.push(`Median ${fmtMedian(result.median)}`, `range ${result.low} to ${result.high} (spread ${result.spread})`);
    else parts.push("No scores given");
    if (result.skipped) parts.push(`${result.skipped} skipped`);
    if (result.family) parts.push(`the family's own score ${result.family.score}`);
    return parts.join(" · ");
  }

  function widestText(result, anonymous) {
    if (!result.widest) return null;
    const [low, high] = result.widest;
    return anonymous
      ? `Widest difference: ${low.score} and ${high.score}. Whoever gave them might say why, if they wish.`
      : `Widest difference: ${low.name} (${low.score}) and ${high.name} (${high.score}). What does each of you see?`;
  }

  function reasonsList(result) {
    return el("ul", { class: "reasons" }, result.marks.map((m) => el("li", {},
      el("strong", { text: `${m.score === null ? "Skipped" : m.score}` }),
      m.name ? el("span", { class: "who", text: ` ${m.name}` }) : null,
      m.reason ? ` — ${m.reason}` : "")));
  }

  function joinBlock(big) {
    if (!state.join) return el("p", { class: "empty", text: "No join code yet." });
    return el("div", { class: big ? "join join-big" : "join" },
      el("img", { class: "qr", src: `${root.dataset.qrUrl}?c=${encodeURIComponent(state.join.code)}`, alt: `QR code to join, for the code ${state.join.code}` }),
      el("div", {},
        el("p", { class: "join-how", text: "On your phone: scan the code, or open" }),
        el("p", { class: "join-url", text: root.dataset.joinUrl }),
        el("p", { class: "join-how", text: "and type" }),
        el("p", { class: "join-code", text: state.join.code })));
  }

  function screenScaling() {
    const s = state.scaling;
    const wrap = el("div", { class: "scaling" },
      el("p", { class: "question", text: s.question }),
      el("div", { class: "ends" }, el("p", {}, el("strong", { text: "0 " }), s.zero), el("p", {}, el("strong", { text: "10 " }), s.ten)));
    if (s.state !== "revealed" || !s.result) {
      wrap.append(el("div", { class: "scaling-wait" },
        el("p", { class: "progress" }, el("strong", { text: `${s.answered} of ${s.expected}` }), " have scaled"),
        s.state === "open" ? joinBlock(true) : el("p", { class: "empty", text: "Scaling opens soon. Scores stay hidden until the facilitator reveals them." })));
      return wrap;
    }
    const r = s.result;
    wrap.append(scaleFigure(r, mode === "screen"), el("p", { class: "summary-line", text: resultSummary(r) }));
    const widest = widestText(r, s.anonymous);
    if (widest) wrap.append(el("p", { class: "widest", text: widest }));
    wrap.append(reasonsList(r));
    return wrap;
  }

  function screenNextSteps() {
    return el("div", { class: "two-up" },
      el("section", {}, el("h2", { text: "Next steps: the group's ideas" }), screenList(["next_steps"], false)),
      el("section", {}, el("h2", { text: "Agreed actions" }),
        state.actions.length ? el("ul", { class: "actions" }, state.actions.map((a) => el("li", {}, a.description, el("span", { class: "who", text: ` — ${a.owner}${a.due ? `, by ${a.due}` : ""}` }))))
          : el("p", { class: "empty", text: "None agreed yet." })));
  }

  function screenSummary() {
    const wrap = el("div", { class: "summary" }, screenMap(null));
    const r = state.scaling.result;
    wrap.append(el("p", { class: "summary-line" }, el("strong", { text: "Scaling: " }),
      r ? resultSummary(r) : `${state.scaling.answered} of ${state.scaling.expected} have scaled; not revealed yet`,
      el("strong", { text: " · Agreed actions: " }), String(state.actions.length)));
    return wrap;
  }

  function renderScreen() {
    const phase = currentPhase();
    const index = phaseIndex(phase.key);
    document.body.dataset.phase = phase.key;
    bindAll("family", state.family);
    bindAll("kind", state.kind_label);
    bindAll("phase-label", phase.label);
    bindAll("phase-count", `${index + 1} of ${phases.length}`);
    bindAll("prompt", phase.key === "scaling" ? "" : phase.prompt);
    const next = phases[index + 1];
    bindAll("next-phase", next ? `Next: ${next.label}` : "");
    bindAll("panel", state.panel ? `${state.panel.title} · family ${state.panel.slot} of ${state.panel.slots}${state.panel.next ? ` · next: ${state.panel.next}` : ""}` : "");
    const layouts = {
      context: screenContext, review: screenReview, map: () => screenMap(phase.key),
      list: () => screenList(phase.sections.map((s) => s.key), true),
      statements: () => screenList([phase.key], true), scaling: screenScaling,
      next_steps: screenNextSteps, summary: screenSummary,
    };
    const body = document.getElementById("screen-body");
    body.className = `screen-body layout-${phase.layout}`;
    body.replaceChildren(state.gone ? el("p", { class: "empty", text: "This session has been removed." }) : layouts[phase.layout]());
    // The whole map must be readable: smaller type step by step until every column fits.
    const map = body.querySelector(".map");
    if (map) {
      const overflows = () => [...map.querySelectorAll(".map-column")].some((c) => c.scrollHeight > c.clientHeight + 2);
      for (const density of ["dense", "denser", "densest"]) {
        if (!overflows()) break;
        map.classList.remove("dense", "denser");
        map.classList.add(density);
      }
    }
    // If it still does not fit, the column scrolls so the block being discussed is in view.
    const focus = body.querySelector(".is-focus");
    if (focus) {
      const column = focus.closest(".map-column");
      const top = focus.offsetTop - column.offsetTop;
      column.scrollTop = top + focus.offsetHeight > column.clientHeight ? Math.max(0, top - 60) : 0;
    }
    // A panel day's screen follows the chair to the next family.
    if (root.dataset.panelUrl && state.panel && state.panel.current_meeting_id !== state.meeting_id && !root.dataset.preview) {
      window.location.assign(root.dataset.panelUrl);
    }
  }

  // --- the console -------------------------------------------------------------------------
  const editing = new Map(); // entry key -> the open edit form, kept while the list re-renders

  function consoleEntry(kind, entry, position) {
    const key = `${kind}:${entry.id}`;
    if (editing.has(key)) return editing.get(key).closest("li");
    const li = el("li", { class: entry.carried ? "entry carried" : "entry", id: `entry-${kind}-${entry.id}` },
      entry.html ? el("div", { class: "entry-text", html: entry.html }) : el("p", { class: "entry-text", text: entry.text }),
      entry.carried ? el("span", { class: "tag", text: "Carried forward" }) : null);
    const editButton = el("button", { type: "button", class: "button-secondary small" }, "Edit", el("span", { class: "visually-hidden", text: ` item ${position}` }));
    const remove = formFor(`${liveBase}/${kind}/${entry.id}/remove`, {}, ["Remove", el("span", { class: "visually-hidden", text: ` item ${position}` })], "button-danger small");
    editButton.addEventListener("click", () => openEditor(li, kind, entry, key));
    li.append(el("div", { class: "entry-tools" }, editButton, remove));
    return li;
  }

  function openEditor(li, kind, entry, key) {
    const id = `edit-${kind}-${entry.id}`;
    const form = el("form", { method: "post", action: `${liveBase}/${kind}/${entry.id}`, class: "entry-edit", "data-live-form": true, novalidate: true },
      el("input", { type: "hidden", name: "csrf_token", value: csrfMeta ? csrfMeta.content : "" }),
      el("input", { type: "hidden", name: "version", value: String(entry.version || 1) }),
      el("label", { for: id, text: "Edit the text" }),
      el("textarea", { id, name: "text", rows: "3", text: entry.text }),
      el("div", { class: "button-row" },
        el("button", { type: "submit", text: "Save changes" }),
        el("button", { type: "button", class: "button-secondary", "data-cancel": true, text: "Cancel" })),
      el("p", { class: "form-error", role: "alert", hidden: true }));
    editing.set(key, form);
    form.querySelector("[data-cancel]").addEventListener("click", () => { editing.delete(key); render(); });
    form.addEventListener("live:done", (e) => {
      if (e.detail && e.detail.ok) { editing.delete(key); render(); return; }
      if (e.detail && e.detail.current_text !== undefined) {
        form.querySelector('[name="version"]').value = String(e.detail.current_version);
        const theirs = el("blockquote", { text: e.detail.current_text });
        form.querySelector(".form-error").after(el("p", {}, el("strong", { text: "Their text, saved now:" })), theirs);
      }
    });
    li.replaceChildren(form);
    form.querySelector("textarea").focus();
  }

  function renderConsole() {
    const facilitating = state.facilitator.id === userId;
    document.querySelectorAll('[data-bind="facilitator-name"]').forEach((n) => { n.textContent = state.facilitator.name; });
    document.querySelectorAll("[data-not-facilitator]").forEach((n) => { n.hidden = facilitating; });
    document.querySelectorAll("[data-take-back]").forEach((n) => { n.hidden = facilitating; });
    const facilitatorOnly = '[data-phase-form], [data-step-form], [data-timer-form], [data-scaling-form], [data-anonymous-form], [data-facilitator-control]';
    document.querySelectorAll(facilitatorOnly).forEach((form) => {
      form.querySelectorAll("button, input, select").forEach((c) => { if (c.type !== "hidden") c.disabled = !facilitating; });
    });
    // Phases
    document.querySelectorAll("[data-phase-form]").forEach((form) => {
      const current = form.dataset.phaseForm === state.phase;
      const button = form.querySelector("button");
      button.classList.toggle("is-current", current);
      if (current) button.setAttribute("aria-current", "step"); else button.removeAttribute("aria-current");
    });
    document.querySelectorAll("[data-work]").forEach((section) => { section.hidden = section.dataset.work !== state.phase; });
    // Entries
    document.querySelectorAll("[data-entries]").forEach((list) => {
      const kind = list.dataset.entries;
      const entries = kind === "items" ? items(list.dataset.section) : state[kind];
      list.replaceChildren(...entries.map((e, i) => consoleEntry(kind, e, i + 1)));
    });
    // Timer and scaling controls
    const t = state.timer;
    document.querySelectorAll("[data-timer-form]").forEach((f) => {
      const which = f.dataset.timerForm;
      f.hidden = (which === "start" && t.running) || (which === "pause" && !t.running);
    });
    const s = state.scaling;
    document.querySelectorAll("[data-scaling-form]").forEach((f) => {
      f.hidden = (f.dataset.scalingForm === "open" && s.state !== "not_open") || (f.dataset.scalingForm === "reveal" && s.state !== "open");
    });
    const anonymousBox = document.querySelector('[data-anonymous-form] input[type="checkbox"]');
    if (anonymousBox && document.activeElement !== anonymousBox) anonymousBox.checked = s.anonymous;
    // Named or anonymous is fixed once anyone has scaled (the server refuses a change too).
    document.querySelectorAll("[data-anonymous-form]").forEach((f) => {
      f.querySelectorAll("input, button").forEach((c) => { if (c.type !== "hidden") c.disabled = !facilitating || s.answered > 0; });
    });
    const statusText = { not_open: "Not open yet", open: "Open", revealed: "Revealed" }[s.state];
    bindAll("scaling-status", `${statusText}: ${s.answered} of ${s.expected} have scaled${s.anonymous ? " (anonymous)" : ""}.`);
    document.querySelectorAll("[data-scaling-work]").forEach((n) => n.replaceChildren(screenScaling()));
    document.querySelectorAll("[data-join]").forEach((n) => n.replaceChildren(joinBlock(false)));
    document.querySelectorAll("[data-context]").forEach((n) => n.replaceChildren(screenContext()));
    document.querySelectorAll("[data-review]").forEach((n) => n.replaceChildren(screenReview()));
    document.querySelectorAll("[data-actions]").forEach((n) => n.replaceChildren(...(state.actions.length
      ? state.actions.map((a) => el("li", {}, a.description, ` — ${a.owner}${a.due ? `, by ${a.due}` : ""}`))
      : [el("li", { text: "None agreed yet." })])));
    // Proposals
    bindAll("proposal-count", String(state.proposals.length));
    document.querySelectorAll("[data-proposals]").forEach((list) => {
      list.replaceChildren(...(state.proposals.length ? state.proposals.map((p) => el("li", { class: "proposal" },
        el("p", {}, el("strong", { text: `${p.section_label}: ` }), p.text),
        el("p", { class: "muted", text: `Proposed by ${p.author}` }),
        facilitating ? el("div", { class: "button-row" },
          formFor(`${liveBase}/proposals/${p.id}`, { decision: "accept" }, `Accept into ${p.section_label.toLowerCase()}`, "button small"),
          formFor(`${liveBase}/proposals/${p.id}`, { decision: "decline" }, "Decline", "button-secondary small")) : null))
        : [el("li", { class: "muted", text: "None waiting." })]));
    });
  }

  function bindConsole() {
    document.addEventListener("submit", (event) => {
      const form = event.target.closest("form[data-live-form]");
      if (!form) return;
      event.preventDefault();
      post(form).then((data) => form.dispatchEvent(new CustomEvent("live:done", { detail: data })));
    });
    document.addEventListener("keydown", (event) => {
      const target = event.target;
      if (event.key === "Escape" && target.matches("textarea, input")) { target.blur(); return; }
      if (event.ctrlKey || event.metaKey || event.altKey || target.closest("input, textarea, select, [contenteditable]")) return;
      const submit = (selector) => {
        const form = document.querySelector(selector);
        if (form && !form.hidden && !form.querySelector("button").disabled) { event.preventDefault(); form.requestSubmit(); }
      };
      const key = event.key.toLowerCase();
      if (key === "arrowright" || key === "n") submit("[data-step-form=next]");
      else if (key === "arrowleft" || key === "p") submit("[data-step-form=previous]");
      else if (key === "t") submit(state.timer.running ? "[data-timer-form=pause]" : "[data-timer-form=start]");
      else if (key === "a" || key === "/") {
        const box = document.querySelector("[data-work]:not([hidden]) [data-fast-add]");
        if (box) { event.preventDefault(); box.focus(); }
      }
    });
  }

  // --- a colleague's phone ------------------------------------------------------------------
  function renderParticipant() {
    const phase = phases[phaseIndex(state.phase)];
    if (phase) bindAll("phase-label", phase.label);
    const s = state.scaling;
    bindAll("scaling-progress", `${s.answered} of ${s.expected} have scaled`);
    document.querySelectorAll("[data-scaling-when]").forEach((n) => { n.hidden = n.dataset.scalingWhen !== s.state; });
    document.querySelectorAll("[data-scaling-result]").forEach((n) => {
      if (!s.result) { n.replaceChildren(); return; }
      const widest = widestText(s.result, s.anonymous);
      n.replaceChildren(scaleFigure(s.result, false), el("p", { class: "summary-line", text: resultSummary(s.result) }),
        widest ? el("p", { class: "widest", text: widest }) : null, reasonsList(s.result));
    });
  }

  // --- a panel day's screen between families --------------------------------------------------
  function renderPanelScreen() {
    if (state.current_meeting_id) {
      window.location.assign(root.dataset.slotUrl.replace("/0/", `/${state.current_meeting_id}/`));
      return;
    }
    document.getElementById("screen-body").replaceChildren(el("ol", { class: "agenda" }, state.slots.map((s) =>
      el("li", {}, el("span", { class: "time", text: s.starts }), el("span", { class: "family", text: s.family }),
        el("span", { class: "who", text: [s.presenter && `${s.presenter} presenting`,
          s.assistant_manager && `with ${s.assistant_manager}`].filter(Boolean).join(", ") }),
        el("span", { class: "status", text: s.status })))));
  }

  // --- start ---------------------------------------------------------------------------------
  function render() {
    if (mode === "panel-screen") { renderPanelScreen(); return; }
    if (mode === "screen") renderScreen();
    else if (mode === "console") renderConsole();
    else if (mode === "participant") renderParticipant();
    tick();
  }

  if (mode === "screen" && root.dataset.preview) {
    document.querySelectorAll("[data-preview-step]").forEach((button) => button.addEventListener("click", () => {
      const index = phaseIndex(previewPhase || state.phase) + Number(button.dataset.previewStep);
      previewPhase = phases[Math.max(0, Math.min(phases.length - 1, index))].key;
      render();
    }));
  }
  if (mode === "console") bindConsole();
  render();
  if (mode !== "panel-screen") setInterval(tick, 250);
  connection.start();
})();
