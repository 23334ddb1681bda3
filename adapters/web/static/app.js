/* Protocolwijzer local simulator: the page's behaviour.
 *
 * Why it looks like this:
 * - Bot messages arrive as server-built HTML in which every text was escaped before the
 *   few tags were added (adapters/web/render.py). That HTML is the only thing inserted
 *   with innerHTML, through a single Trusted Types policy; everything the user typed,
 *   every button label and every form label or value goes in with textContent or .value.
 *   Forms arrive as data and are built here with DOM calls.
 * - The page plays one persona at a time (the role switcher). A teacher is known by a
 *   random session id kept in localStorage; the school roles are fixed ids on the server.
 *   Each persona's conversation lives on the server, so switching asks it to "resume".
 * - What the bot sends on its own (DMs, the incident card, the team briefing) lives on
 *   the server too: the inbox is polled while the page is visible and a message is
 *   redrawn only when it changed. A button on such a stored message names the message,
 *   and the server updates it in place (as a chat platform would).
 * - A message's buttons are disabled while its request is in flight: a double tap must
 *   not answer twice (the server would recognise it as stale anyway).
 * - The page's own words (texts.js) follow the language of the conversation.
 * - On a phone the next thing to tap must be on screen: a new message starts at its top,
 *   a message answered in place shows what changed (the next question and its buttons,
 *   not the do-now block above it again), and a notice stands above the composer. A
 *   notice goes once stale: an error once a request went through, a remark once the
 *   message it was about has been answered again.
 */
"use strict";

(() => {
  const SESSION_KEY = "protocolwijzer.session";
  const PERSONA_KEY = "protocolwijzer.persona";
  const PERSONAS = ["teacher", "vertrouwenspersoon", "zorgcoordinator", "directie", "bestuur"];
  const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;
  const TIMEOUT_MS = 30000;
  const POLL_MS = 1500;

  /** The page's own words in Dutch and English (texts.js); they follow the conversation's language. */
  const TEXTS = window.protocolwijzerTexts;
  let pageLang = "nl";

  function t(key) {
    return TEXTS[pageLang][key];
  }

  const list = document.getElementById("messages");
  const spacesBox = document.getElementById("spaces");
  const teamBox = document.getElementById("team");
  const spacesEmpty = document.getElementById("spaces-empty");
  const teamEmpty = document.getElementById("team-empty");
  const panes = document.getElementById("panes");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");
  const newButton = document.getElementById("new-conversation");
  const personaSelect = document.getElementById("persona");
  const clockTime = document.getElementById("clock-time");
  const clockHours = document.getElementById("clock-hours");
  const clockButtons = Array.from(document.querySelectorAll(".clock-step"));
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));

  const htmlPolicy = window.trustedTypes && window.trustedTypes.createPolicy
    ? window.trustedTypes.createPolicy("protocolwijzer", { createHTML: (html) => html })
    : { createHTML: (html) => html };

  // -- session and persona --------------------------------------------------------------
  function remember(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch (_) {
      // Private mode: it simply does not survive a reload.
    }
    return value;
  }

  function recall(key) {
    try {
      return localStorage.getItem(key);
    } catch (_) {
      return null;
    }
  }

  function newSessionId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const storedSession = recall(SESSION_KEY);
  const session = storedSession && SESSION_RE.test(storedSession)
    ? storedSession : remember(SESSION_KEY, newSessionId());
  let persona = PERSONAS.includes(recall(PERSONA_KEY)) ? recall(PERSONA_KEY) : "teacher";
  personaSelect.value = persona;

  // Bumped when the persona or the conversation changes: answers to older requests are dropped.
  let generation = 0;
  let composerBusy = false;
  let inFlight = 0;

  // -- talking to the server -----------------------------------------------------------
  class RequestError extends Error {
    constructor(message, detail) {
      super(message);
      this.detail = detail || "";
    }
  }

  async function request(url, options) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    inFlight += 1;
    let response;
    try {
      response = await fetch(url, { ...options, signal: controller.signal, cache: "no-store" });
    } catch (_) {
      throw new RequestError(t("network"));
    } finally {
      clearTimeout(timer);
      inFlight -= 1;
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      if (response.status >= 500) throw new RequestError(t("server"));
      throw new RequestError(t("rejected"), data && typeof data.error === "string" ? data.error : "");
    }
    if (!data || typeof data !== "object") throw new RequestError(t("server"));
    return data;
  }

  /** A POST that went through makes every "not sent" notice stale: they go. */
  async function postJson(url, body) {
    const data = await request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    dropErrors();
    return data;
  }

  async function post(body) {
    const data = await postJson("/api/event", { session, persona, ...body });
    if (!Array.isArray(data.replies)) throw new RequestError(t("server"));
    return data.replies;
  }

  // -- drawing -------------------------------------------------------------------------
  function langOf(reply) {
    return reply.lang === "en" ? "en" : "nl";
  }

  function addButtons(article, buttons, kind, lang) {
    if (!Array.isArray(buttons) || buttons.length === 0) return;
    const group = document.createElement("div");
    group.className = kind;
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXTS[lang][kind + "Label"]);
    for (const spec of buttons) group.append(makeButton(spec));
    article.append(group);
  }

  function makeButton(spec) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = String(spec.label);
    button.dataset.payload = String(spec.payload);
    if (spec.style === "primary" || spec.style === "danger") button.classList.add(spec.style);
    return button;
  }

  let fieldCounter = 0;

  /** A reply's form, built with DOM calls: labels, hints and values are plain text. */
  function buildForm(spec) {
    const element = document.createElement("form");
    element.className = "reply-form";
    element.dataset.submit = String(spec.submit);
    if (spec.intro_html) {
      const intro = document.createElement("div");
      intro.className = "form-intro";
      intro.innerHTML = htmlPolicy.createHTML(String(spec.intro_html));
      element.append(intro);
    }
    for (const field of Array.isArray(spec.fields) ? spec.fields : []) {
      fieldCounter += 1;
      const id = `field-${fieldCounter}`;
      const wrapper = document.createElement("div");
      wrapper.className = "field";
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = String(field.label) + (field.required ? " *" : "");
      wrapper.append(label);
      let control;
      const options = Array.isArray(field.options) ? field.options : [];
      if (options.length > 0) {
        control = document.createElement("select");
        for (const option of options) {
          const item = document.createElement("option");
          item.value = String(option.value);
          item.textContent = String(option.label);
          control.append(item);
        }
        control.value = String(field.value || options[0].value);
      } else {
        control = document.createElement(field.multiline ? "textarea" : "input");
        if (!field.multiline) control.type = "text";
        else control.rows = 4;
        control.maxLength = Number(field.max_length) || 500;
        control.value = String(field.value || "");
      }
      control.id = id;
      control.name = String(field.name);
      control.required = Boolean(field.required);
      if (field.hint) {
        const hint = document.createElement("p");
        hint.className = "hint";
        hint.id = `${id}-hint`;
        hint.textContent = String(field.hint);
        control.setAttribute("aria-describedby", hint.id);
        wrapper.append(hint);
      }
      wrapper.append(control);
      element.append(wrapper);
    }
    const buttons = document.createElement("div");
    buttons.className = "form-buttons";
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "primary";
    submit.textContent = String(spec.submit_label);
    buttons.append(submit);
    if (spec.cancel) buttons.append(makeButton(spec.cancel));
    element.append(buttons);
    return element;
  }

  function botMessage(reply, stored) {
    const lang = langOf(reply);
    const article = document.createElement("article");
    article.className = "msg bot";
    article.lang = lang;
    if (stored) {
      article.dataset.messageId = String(stored.id);
      article.tabIndex = -1;
      const meta = document.createElement("p");
      meta.className = "meta";
      const time = document.createElement("time");
      time.textContent = String(stored.time || "");
      meta.append("Protocolwijzer · ", time);
      article.append(meta);
    }
    const body = document.createElement("div");
    body.className = "body";
    body.innerHTML = htmlPolicy.createHTML(String(reply.html || ""));
    article.append(body);
    if (reply.form && typeof reply.form === "object") article.append(buildForm(reply.form));
    addButtons(article, reply.choices, "choices", lang);
    addButtons(article, reply.actions, "actions", lang);
    return article;
  }

  /**
   * A remark (an ephemeral reply) about the message ``about`` (a key, see messageKey):
   * a later answer to the same message makes it stale, and it is then removed.
   */
  function notice(reply, about) {
    const div = document.createElement("div");
    div.className = "notice";
    div.lang = langOf(reply);
    if (about) div.dataset.about = about;
    div.innerHTML = htmlPolicy.createHTML(String(reply.html || ""));
    return div;
  }

  let messageKeys = 0;

  /** A key for a drawn message that stays when it is redrawn in place: its stored id, else a counter. */
  function messageKey(article) {
    if (!article) return "";
    if (!article.dataset.key) {
      messageKeys += 1;
      article.dataset.key = article.dataset.messageId ? `m${article.dataset.messageId}` : `c${messageKeys}`;
    }
    return article.dataset.key;
  }

  /** Remarks about ``key`` that a newer answer to the same message made stale. */
  function dropRemarks(key) {
    if (!key) return;
    for (const old of document.querySelectorAll(".notice[data-about]")) {
      if (old.dataset.about === key) old.remove();
    }
  }

  /** "Niet verstuurd" and the like: stale once a request went through. */
  function dropErrors() {
    for (const old of document.querySelectorAll(".notice.error")) old.remove();
  }

  function userBubble(text) {
    const div = document.createElement("div");
    div.className = "msg user";
    div.textContent = text;
    list.append(div);
    div.scrollIntoView({ block: "nearest" });
    return div;
  }

  function showError(error, after) {
    const p = document.createElement("p");
    p.className = "notice error";
    p.setAttribute("role", "alert");
    const detail = error instanceof RequestError && error.detail ? ` (${error.detail})` : "";
    p.textContent = (error instanceof RequestError ? error.message : t("server")) + detail;
    if (after && after.isConnected) after.after(p);
    else activeList().append(p);
    showNotice(p);
  }

  /** A notice in view above the composer (its scroll-margin is the composer's real height). */
  function showNotice(element) {
    element.scrollIntoView({ block: "nearest" });
  }

  function stickyHeight() {
    return document.querySelector(".tabs").offsetHeight;
  }

  /** The composer's height as --composer-h (0 while hidden): the room scroll-margins keep free. */
  function measureComposer() {
    document.documentElement.style.setProperty("--composer-h", `${form.hidden ? 0 : form.offsetHeight}px`);
  }

  /** The part of the window between the sticky tabs and the composer, with a little air. */
  function room() {
    return { top: stickyHeight() + 8, bottom: window.innerHeight - (form.hidden ? 0 : form.offsetHeight) - 8 };
  }

  /** Bring a new message into view: all of it if it fits, else its beginning. */
  function reveal(element) {
    const { top, bottom } = room();
    element.scrollIntoView({ block: element.offsetHeight <= bottom - top + 16 ? "nearest" : "start" });
  }

  /** Scroll the least that shows ``first`` down to ``last``; false, without scrolling, when they do not fit. */
  function showRange(first, last) {
    const { top, bottom } = room();
    const from = first.getBoundingClientRect().top;
    const to = last.getBoundingClientRect().bottom;
    if (to - from > bottom - top) return false;
    if (from < top) window.scrollBy(0, from - top);
    else if (to > bottom) window.scrollBy(0, to - bottom);
    return true;
  }

  /** How a part of a message compares: its HTML, whatever the reader opened or closed. */
  function signature(part) {
    const copy = part.cloneNode(true);
    for (const details of copy.querySelectorAll("details[open]")) details.removeAttribute("open");
    return copy.outerHTML;
  }

  function parts(article) {
    return Array.from(article.querySelectorAll(":scope > .body > *"));
  }

  /**
   * After a tap replaced a message in place, show what changed rather than its top: the
   * do-now block the reader has already seen stays above, the next question and its
   * buttons come into view (all that changed when it fits, else the question and its
   * buttons, else the question's beginning). A new headline is a new view (the steps):
   * that starts at its top, like a new message.
   */
  function revealChange(message, before) {
    const after = parts(message);
    const index = after.findIndex((part, i) => before[i] !== signature(part));
    if (index === 0) {
      reveal(message);
      return;
    }
    const choices = message.querySelector(".choices") || message.querySelector(".body");
    const question = after.length ? after[after.length - 1] : choices;
    const changed = index > 0 ? after[index] : choices;
    if (showRange(changed, choices) || showRange(question, choices)) return;
    window.scrollBy(0, question.getBoundingClientRect().top - room().top);
  }

  /** Focus what answers a message next: its form, its first answer, else ``fallback``. */
  function focusInside(element, fallback) {
    const target = element && (element.querySelector(".reply-form input, .reply-form textarea, .reply-form select")
      || element.querySelector(".choices button"));
    (target || fallback).focus({ preventScroll: true });
  }

  /**
   * Draw the replies to one conversation event. ``origin`` is the message whose button was
   * pressed: a reply with ``replace`` updates it in place. Remarks land below the message
   * they are about (those of an earlier press on it are gone), in view above the composer.
   * Afterwards focus goes to the form or first answer of the newest message, or to the
   * input when there is none.
   */
  function showReplies(replies, origin) {
    followLanguage(replies);
    const about = messageKey(origin);
    dropRemarks(about);
    let latest = null;
    let replaced = null;
    let lastNotice = null;
    for (const reply of replies) {
      if (reply.ephemeral) {
        lastNotice = notice(reply, about);
        list.append(lastNotice);
        continue;
      }
      const message = botMessage(reply, null);
      if (reply.replace && origin && origin.isConnected) {
        replaced = parts(origin).map(signature);
        message.dataset.key = about;
        origin.replaceWith(message);
        origin = null;
      } else {
        list.append(message);
        replaced = null;
      }
      latest = message;
    }
    if (latest && replaced) revealChange(latest, replaced);
    else if (latest) reveal(latest);
    else if (lastNotice) showNotice(lastNotice);
    // A remark about a form that is still open (a required answer missing): stay in the form.
    const stillOpen = !latest && origin && origin.isConnected && origin.querySelector(".reply-form") ? origin : null;
    focusInside(latest || stillOpen, input);
  }

  function setBusy(article, busy) {
    article.classList.toggle("busy", busy);
    if (busy) article.setAttribute("aria-busy", "true");
    else article.removeAttribute("aria-busy");
    for (const control of article.querySelectorAll("button, input, textarea, select")) control.disabled = busy;
  }

  // -- the inbox: DMs, incident spaces, the team channel ---------------------------------
  /** Drawn stored messages by id: {element, key} (key: what was drawn, to redraw on change). */
  let drawn = new Map();
  let spaceSections = new Map();
  let unseen = { chat: new Set(), spaces: new Set(), team: new Set() };
  let activeTab = "chat";

  function activeList() {
    return activeTab === "chat" ? list : activeTab === "spaces" ? spacesBox : teamBox;
  }

  function paneOf(element) {
    if (list.contains(element)) return "chat";
    return spacesBox.contains(element) ? "spaces" : "team";
  }

  function spaceSection(name) {
    let section = spaceSections.get(name);
    if (!section) {
      section = document.createElement("section");
      section.className = "space";
      section.dataset.space = name;
      const heading = document.createElement("h2");
      heading.className = "channel-title";
      heading.textContent = `#${name}`;
      section.append(heading);
      spacesBox.append(section);
      spaceSections.set(name, section);
    }
    return section;
  }

  /** Draw one stored message in ``container``; returns it when it is new or changed. */
  function place(stored, container, pane) {
    const key = `${stored.version}:${JSON.stringify(stored.reply)}`;
    const known = drawn.get(stored.id);
    if (known && known.key === key) return null;
    if (known && known.element.classList.contains("busy")) return null; // its request will redraw it
    const element = botMessage(stored.reply || {}, stored);
    messageKey(element);
    if (known && known.element.isConnected) known.element.replaceWith(element);
    else container.append(element);
    drawn.set(stored.id, { element, key });
    if (pane !== activeTab) unseen[pane].add(stored.id);
    return element;
  }

  function drawInbox(inbox) {
    const changed = [];
    for (const stored of inbox.dms || []) {
      const element = place(stored, list, "chat");
      if (element) changed.push(element);
    }
    for (const space of inbox.spaces || []) {
      const section = spaceSection(String(space.name));
      for (const stored of space.messages || []) {
        const element = place(stored, section, "spaces");
        if (element) changed.push(element);
      }
    }
    for (const stored of inbox.team || []) {
      const element = place(stored, teamBox, "team");
      if (element) changed.push(element);
    }
    spacesEmpty.hidden = spaceSections.size > 0;
    teamEmpty.hidden = (inbox.team || []).length > 0;
    if (inbox.now) showTime(inbox.now);
    updateBadges();
    return changed;
  }

  function resetInbox() {
    for (const { element } of drawn.values()) element.remove();
    for (const section of spaceSections.values()) section.remove();
    drawn = new Map();
    spaceSections = new Map();
    unseen = { chat: new Set(), spaces: new Set(), team: new Set() };
    updateBadges();
  }

  async function refreshInbox() {
    const mine = generation;
    const query = new URLSearchParams({ session, persona });
    const data = await request(`/api/inbox?${query}`, { method: "GET" });
    return mine === generation ? drawInbox(data) : [];
  }

  async function poll() {
    if (document.visibilityState !== "visible" || inFlight > 0) return;
    try {
      await refreshInbox();
    } catch (_) {
      // The next poll tries again; requests the user makes show their own errors.
    }
  }

  let lastNow = null;

  /** The simulated time, in the page's language: the day from the ISO date, not the server's label. */
  function showTime(now) {
    lastNow = now;
    const parts = /^(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d)/.exec(String(now.iso || ""));
    if (parts) {
      const day = new Date(Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]))).getUTCDay();
      clockTime.textContent = `${t("days")[day]} ${parts[3]}-${parts[2]} ${parts[4]}`;
      clockTime.dateTime = String(now.iso);
    } else {
      clockTime.textContent = String(now.label || "");
    }
    clockHours.textContent = now.working_hours === true ? t("open")
      : now.working_hours === false ? t("closed") : "";
    clockHours.classList.toggle("closed", now.working_hours === false);
  }

  // -- the page's language ---------------------------------------------------------------
  /** Follow the conversation: the newest of ``replies`` that carries a language sets it. */
  function followLanguage(replies) {
    const last = replies.filter((reply) => reply && Object.hasOwn(TEXTS, reply.lang)).pop();
    if (last && last.lang !== pageLang) setLanguage(last.lang);
  }

  function setLanguage(lang) {
    pageLang = lang;
    document.documentElement.lang = lang;
    document.title = t("title");
    const own = (element) => !element.closest(".msg"); // a message is in its own language
    for (const element of document.querySelectorAll("[data-text]")) {
      if (own(element)) element.textContent = t(element.dataset.text);
    }
    for (const element of document.querySelectorAll("[data-label]")) {
      if (own(element)) element.setAttribute("aria-label", t(element.dataset.label));
    }
    for (const element of document.querySelectorAll("[data-placeholder]")) {
      if (own(element)) element.placeholder = t(element.dataset.placeholder);
    }
    if (lastNow) showTime(lastNow);
    updateBadges();
  }

  // -- tabs ----------------------------------------------------------------------------
  function updateBadges() {
    for (const tab of tabs) {
      const name = tab.id.replace("tab-", "");
      const badge = tab.querySelector(".badge");
      const count = unseen[name].size;
      badge.hidden = count === 0;
      badge.textContent = count ? String(count) : "";
      badge.setAttribute("aria-label", count ? t("newMessages")(count) : "");
    }
  }

  function selectTab(name, { focus = false } = {}) {
    activeTab = name;
    for (const tab of tabs) {
      const selected = tab.id === `tab-${name}`;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    form.hidden = name !== "chat";
    measureComposer();
    unseen[name].clear();
    updateBadges();
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab.id.replace("tab-", "")));
    tab.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(tab);
      let next = null;
      if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
      else if (event.key === "ArrowLeft") next = tabs[(index + tabs.length - 1) % tabs.length];
      else if (event.key === "Home") next = tabs[0];
      else if (event.key === "End") next = tabs[tabs.length - 1];
      if (next) {
        event.preventDefault();
        selectTab(next.id.replace("tab-", ""), { focus: true });
      }
    });
  }

  // -- events --------------------------------------------------------------------------
  /**
   * After acting on a stored message: redraw the inbox, show the remarks next to the
   * message, then move focus to what came next (a new message's form or first answer),
   * else back to the button in the same place of the redrawn message.
   */
  async function afterStored(article, replies, mine, position) {
    const pane = paneOf(article);
    const id = article.dataset.messageId;
    const changed = await refreshInbox();
    if (mine !== generation) return;
    followLanguage(replies);
    const current = drawn.get(id);
    const element = current && current.element.isConnected ? current.element : null;
    const about = messageKey(element || article);
    dropRemarks(about);
    let anchor = element || article;
    let lastRemark = null;
    for (const reply of replies) {
      if (!reply.ephemeral) continue;
      const remark = notice(reply, about);
      if (anchor.isConnected) anchor.after(remark);
      else activeList().append(remark);
      anchor = remark;
      lastRemark = remark;
    }
    unseen[pane].clear();
    updateBadges();
    const added = changed.find((other) => other !== element && paneOf(other) === pane);
    if (added) {
      reveal(added);
      focusInside(added, added);
    } else if (element) {
      const buttons = element.querySelectorAll("button");
      (buttons[position] || element).focus({ preventScroll: true });
    }
    if (lastRemark && !added) showNotice(lastRemark); // a refusal is read where it can be seen
  }

  async function send(article, body, button) {
    if (article.classList.contains("busy")) return;
    const id = article.dataset.messageId;
    const position = button ? Array.from(article.querySelectorAll("button")).indexOf(button) : -1;
    setBusy(article, true);
    const mine = generation;
    try {
      const replies = await post(id ? { ...body, message: id } : body);
      if (mine !== generation) return;
      setBusy(article, false);
      if (id) await afterStored(article, replies, mine, position);
      else {
        showReplies(replies, article);
        await revealArrived(mine);
      }
    } catch (error) {
      if (mine === generation) showError(error, article);
    } finally {
      if (article.isConnected) {
        setBusy(article, false);
        if (button && document.activeElement === document.body) button.focus({ preventScroll: true });
      }
    }
  }

  /**
   * What the bot sent because of this event (a report's confirmation, which comes through
   * the outbox into the chat): drawn now rather than at the next poll, and brought into view
   * below the answer that says it follows. Focus stays where showReplies put it.
   */
  async function revealArrived(mine) {
    let changed = [];
    try {
      changed = await refreshInbox();
    } catch (_) {
      return; // the next poll draws it
    }
    const arrived = changed.filter((element) => paneOf(element) === "chat").pop();
    if (mine === generation && arrived) reveal(arrived);
  }

  panes.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-payload]");
    const article = button && button.closest(".msg.bot");
    if (article) send(article, { type: "button", payload: button.dataset.payload }, button);
  });

  panes.addEventListener("submit", (event) => {
    const element = event.target.closest("form.reply-form");
    const article = element && element.closest(".msg.bot");
    if (!article) return;
    event.preventDefault();
    if (!element.reportValidity()) return;
    const values = {};
    for (const control of element.querySelectorAll("input[name], textarea[name], select[name]")) {
      values[control.name] = control.value;
    }
    send(article, { type: "form", payload: element.dataset.submit, values }, null);
  });

  async function sendText() {
    if (composerBusy) return;
    const text = input.value;
    if (!text.trim()) {
      input.focus();
      return;
    }
    composerBusy = true;
    sendButton.disabled = true;
    input.readOnly = true;
    const bubble = userBubble(text);
    const mine = generation;
    try {
      const replies = await post({ type: "text", text });
      if (mine === generation) {
        input.value = "";
        showReplies(replies, null);
      }
    } catch (error) {
      if (mine === generation) {
        bubble.remove(); // the text stays in the input, ready to send again
        showError(error);
        input.focus();
      }
    } finally {
      composerBusy = false;
      sendButton.disabled = false;
      input.readOnly = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter adds a line; never interrupt an IME composition.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey
        && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      sendText();
    }
  });

  async function command(name) {
    const mine = generation;
    try {
      const replies = await post({ type: "command", name });
      if (mine === generation) showReplies(replies, null);
    } catch (error) {
      if (mine === generation) showError(error);
    }
  }

  /**
   * Show a persona from scratch (on load, on a switch, on "new"): its conversation, then
   * what the bot sent it. A newest DM with a button ([Ik pak dit op]) is what a
   * coordinator came for: it is brought into view and its first button takes the focus.
   */
  async function start(name) {
    generation += 1;
    const mine = generation;
    list.replaceChildren();
    resetInbox();
    await command(name);
    let changed = [];
    try {
      changed = await refreshInbox();
    } catch (error) {
      if (mine === generation) showError(error);
    }
    const newest = changed.filter((element) => paneOf(element) === "chat").pop();
    const button = newest && newest.querySelector(".choices button");
    if (mine === generation && button) {
      reveal(newest);
      button.focus({ preventScroll: true });
    }
  }

  newButton.addEventListener("click", () => start("menu"));

  personaSelect.addEventListener("change", () => {
    if (!PERSONAS.includes(personaSelect.value)) return;
    persona = remember(PERSONA_KEY, personaSelect.value);
    selectTab("chat"); // a new role starts where its messages arrive
    start("resume");
  });

  for (const button of clockButtons) {
    button.addEventListener("click", async () => {
      for (const other of clockButtons) other.disabled = true;
      try {
        const data = await postJson("/api/clock", { minutes: Number(button.dataset.minutes) });
        if (data.now) showTime(data.now);
        await refreshInbox();
      } catch (error) {
        showError(error);
      } finally {
        for (const other of clockButtons) other.disabled = false;
        button.focus({ preventScroll: true });
      }
    });
  }

  if (window.ResizeObserver) new ResizeObserver(measureComposer).observe(form);
  measureComposer();
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
  start("resume");
})();
