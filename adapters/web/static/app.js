/* Protocolwijzer local simulator: the chat page's behaviour.
 *
 * Why it looks like this:
 * - Bot messages arrive as server-built HTML in which every text was escaped before the
 *   few tags were added (adapters/web/render.py). That HTML is the only thing inserted
 *   with innerHTML, through a single Trusted Types policy; everything the user typed and
 *   every button label goes in with textContent.
 * - State lives on the server, keyed by a random session id kept in localStorage, so a
 *   reload asks the server to "resume" instead of keeping a copy of the conversation.
 * - A message's buttons are disabled while its request is in flight: a double tap must
 *   not answer twice (the server would recognise it as stale anyway).
 */
"use strict";

(() => {
  const SESSION_KEY = "protocolwijzer.session";
  const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;
  const TIMEOUT_MS = 30000;

  const TEXTS = {
    network: "Geen verbinding met de simulator; je bericht is niet verstuurd. Probeer het opnieuw. / "
      + "No connection to the simulator; your message was not sent. Please try again.",
    server: "Er ging iets mis in de simulator. Probeer het opnieuw. / "
      + "Something went wrong in the simulator. Please try again.",
    rejected: "Dit bericht kon niet worden verwerkt. / This message could not be processed.",
    choicesLabel: { nl: "Antwoorden", en: "Answers" },
    actionsLabel: { nl: "Navigatie", en: "Navigation" },
  };

  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");
  const newButton = document.getElementById("new-conversation");

  const htmlPolicy = window.trustedTypes && window.trustedTypes.createPolicy
    ? window.trustedTypes.createPolicy("protocolwijzer", { createHTML: (html) => html })
    : { createHTML: (html) => html };

  // -- session -------------------------------------------------------------------------
  function newSessionId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function storeSession(id) {
    try {
      localStorage.setItem(SESSION_KEY, id);
    } catch (_) {
      // Private mode: the conversation simply does not survive a reload.
    }
    return id;
  }

  function loadSession() {
    let id = null;
    try {
      id = localStorage.getItem(SESSION_KEY);
    } catch (_) {
      id = null;
    }
    return id && SESSION_RE.test(id) ? id : storeSession(newSessionId());
  }

  let session = loadSession();
  // Bumped by "Nieuw gesprek": answers to requests of an older conversation are dropped.
  let generation = 0;
  let composerBusy = false;

  // -- talking to the server -----------------------------------------------------------
  class RequestError extends Error {
    constructor(message, detail) {
      super(message);
      this.detail = detail || "";
    }
  }

  async function post(body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch("/api/event", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session, ...body }),
        signal: controller.signal,
        cache: "no-store",
      });
    } catch (_) {
      throw new RequestError(TEXTS.network);
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      if (response.status >= 500) throw new RequestError(TEXTS.server);
      throw new RequestError(TEXTS.rejected, data && typeof data.error === "string" ? data.error : "");
    }
    if (!data || !Array.isArray(data.replies)) throw new RequestError(TEXTS.server);
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
    group.setAttribute("aria-label", TEXTS[kind + "Label"][lang]);
    for (const spec of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = String(spec.label);
      button.dataset.payload = String(spec.payload);
      if (spec.style === "primary" || spec.style === "danger") button.classList.add(spec.style);
      group.append(button);
    }
    article.append(group);
  }

  function botMessage(reply) {
    const lang = langOf(reply);
    const article = document.createElement("article");
    article.className = "msg bot";
    article.lang = lang;
    const body = document.createElement("div");
    body.className = "body";
    body.innerHTML = htmlPolicy.createHTML(String(reply.html || ""));
    article.append(body);
    addButtons(article, reply.choices, "choices", lang);
    addButtons(article, reply.actions, "actions", lang);
    return article;
  }

  function notice(reply) {
    const div = document.createElement("div");
    div.className = "notice";
    div.lang = langOf(reply);
    div.innerHTML = htmlPolicy.createHTML(String(reply.html || ""));
    return div;
  }

  function userBubble(text) {
    const div = document.createElement("div");
    div.className = "msg user";
    div.textContent = text;
    list.append(div);
    div.scrollIntoView({ block: "nearest" });
    return div;
  }

  function showError(error) {
    const p = document.createElement("p");
    p.className = "notice error";
    const detail = error instanceof RequestError && error.detail ? ` (${error.detail})` : "";
    p.textContent = (error instanceof RequestError ? error.message : TEXTS.server) + detail;
    list.append(p);
    p.scrollIntoView({ block: "nearest" });
  }

  /** Bring a new message into view: all of it if it fits, else its beginning. */
  function reveal(element) {
    const header = document.querySelector(".top").offsetHeight;
    const room = window.innerHeight - header - form.offsetHeight;
    element.scrollIntoView({ block: element.offsetHeight <= room ? "nearest" : "start" });
  }

  /**
   * Draw the replies to one event. ``origin`` is the bot message whose button was pressed:
   * a reply with ``replace`` updates it in place. Afterwards focus goes to the first
   * answer button of the newest message, or to the input when there is none.
   */
  function showReplies(replies, origin) {
    let latest = null;
    let lastNotice = null;
    for (const reply of replies) {
      if (reply.ephemeral) {
        lastNotice = notice(reply);
        list.append(lastNotice);
        continue;
      }
      const message = botMessage(reply);
      if (reply.replace && origin && origin.isConnected) {
        origin.replaceWith(message);
        origin = null;
      } else {
        list.append(message);
      }
      latest = message;
    }
    if (latest) reveal(latest);
    else if (lastNotice) lastNotice.scrollIntoView({ block: "nearest" });
    const first = latest && latest.querySelector(".choices button");
    (first || input).focus({ preventScroll: true });
  }

  function setBusy(article, busy) {
    article.classList.toggle("busy", busy);
    if (busy) article.setAttribute("aria-busy", "true");
    else article.removeAttribute("aria-busy");
    for (const button of article.querySelectorAll("button")) button.disabled = busy;
  }

  // -- events --------------------------------------------------------------------------
  async function press(article, button) {
    if (article.classList.contains("busy")) return;
    setBusy(article, true);
    const mine = generation;
    try {
      const replies = await post({ type: "button", payload: button.dataset.payload });
      if (mine === generation) showReplies(replies, article);
    } catch (error) {
      if (mine === generation) showError(error);
    } finally {
      if (article.isConnected) {
        setBusy(article, false);
        if (document.activeElement === document.body) button.focus({ preventScroll: true });
      }
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-payload]");
    const article = button && button.closest(".msg.bot");
    if (article) press(article, button);
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

  async function resume() {
    const mine = generation;
    try {
      const replies = await post({ type: "command", name: "resume" });
      if (mine === generation) showReplies(replies, null);
    } catch (error) {
      if (mine === generation) showError(error);
    }
  }

  newButton.addEventListener("click", () => {
    generation += 1;
    session = storeSession(newSessionId());
    list.replaceChildren();
    resume();
  });

  resume();
})();
