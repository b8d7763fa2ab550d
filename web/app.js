/* Career-advice chat widget bootstrap.
 *
 * Reads config.json (socket URL, title, greeting payload, ...), mounts the
 * rasa-webchat widget (vendor/rasa-webchat.js, served from node_modules by
 * serve.py) and patches the widget's DOM for keyboard and screen-reader use.
 */
(function () {
  "use strict";

  var statusEl = document.getElementById("chat-status");

  function setStatus(text) {
    if (statusEl && statusEl.textContent !== text) statusEl.textContent = text;
  }

  // config.json is the one place for the widget's settings (serve.py may override
  // socketUrl). A page that embeds the chat names it: <script src=".../app.js" data-config="...">.
  var configUrl = (document.currentScript && document.currentScript.dataset.config) || "config.json";

  function loadConfig() {
    return fetch(configUrl, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(configUrl + ": HTTP " + r.status);
      return r.json();
    });
  }

  /* ---------- accessibility patches (the widget ships without labels) ---------- */

  function setAttr(el, name, value) {
    if (el && el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function activateOnKey(event) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.currentTarget.click();
    }
  }

  function makeButtonLike(el, label) {
    if (el.tagName !== "BUTTON") {
      setAttr(el, "role", "button");
      setAttr(el, "tabindex", "0");
      if (!el.dataset.kbd) {
        el.dataset.kbd = "1";
        el.addEventListener("keydown", activateOnKey);
      }
    }
    if (label) setAttr(el, "aria-label", label);
  }

  function patchWidget(root, cfg) {
    var launcher = root.querySelector(".rw-launcher");
    var open = !!root.querySelector(".rw-conversation-container");
    if (launcher) {
      setAttr(launcher, "type", "button");
      setAttr(launcher, "aria-label", open ? "Close career assistant chat" : cfg.launcherLabel);
      setAttr(launcher, "aria-expanded", open ? "true" : "false");
      launcher.querySelectorAll("img").forEach(function (img) { setAttr(img, "alt", ""); });
    }

    var container = root.querySelector(".rw-conversation-container");
    if (container) {
      setAttr(container, "role", "dialog");
      setAttr(container, "aria-label", cfg.title + " chat");
    }

    var messages = root.querySelector(".rw-messages-container");
    if (messages) {
      setAttr(messages, "role", "log");
      setAttr(messages, "aria-live", "polite");
      setAttr(messages, "aria-label", "Conversation");
      setAttr(messages, "tabindex", "0"); // scrollable region must be keyboard-focusable
    }

    var input = root.querySelector(".rw-new-message");
    if (input) setAttr(input, "aria-label", "Type your message");

    var send = root.querySelector(".rw-send");
    if (send) {
      setAttr(send, "aria-label", "Send message");
      send.querySelectorAll("svg").forEach(function (svg) {
        setAttr(svg, "aria-hidden", "true");
        setAttr(svg, "focusable", "false");
      });
    }

    root.querySelectorAll(".rw-close-button").forEach(function (btn) {
      setAttr(btn, "aria-label", "Close chat");
      btn.querySelectorAll("img").forEach(function (img) { setAttr(img, "alt", ""); });
    });

    root.querySelectorAll(".rw-toggle-fullscreen-button").forEach(function (btn) {
      setAttr(btn, "aria-label", "Toggle full screen");
    });

    // Quick replies are rendered as <div class="rw-reply">: make them real
    // keyboard-operable buttons with their visible title as accessible name.
    root.querySelectorAll(".rw-reply").forEach(function (reply) {
      makeButtonLike(reply, null);
    });

    root.querySelectorAll(".rw-avatar").forEach(function (img) { setAttr(img, "alt", ""); });
  }

  // Bot text is rendered as markdown: raw HTML is escaped by the widget, but a
  // markdown link like [x](javascript:...) keeps its href. Drop any link whose
  // scheme is not http(s)/mailto/tel (the page's CSP would block it too).
  var SAFE_LINK = /^(https?:|mailto:|tel:)/i;

  function neutraliseLinks(root) {
    root.querySelectorAll(".rw-message a[href]").forEach(function (a) {
      var href = a.getAttribute("href") || "";
      var resolved;
      try { resolved = new URL(href, document.baseURI).protocol; } catch (e) { resolved = ""; }
      if (!SAFE_LINK.test(resolved)) {
        a.removeAttribute("href");
        a.setAttribute("data-unsafe-link", "removed");
      }
    });
  }

  function watchWidget(cfg) {
    var scheduled = false;
    var observer = new MutationObserver(function () {
      var root = document.getElementById("rasaWebchatPro");
      if (root) neutraliseLinks(root); // synchronously, before the link can be clicked
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        var root = document.getElementById("rasaWebchatPro");
        if (root) patchWidget(root, cfg);
      });
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }

  /* ---------- mount ---------- */

  function mount(cfg) {
    if (!window.WebChat || typeof window.WebChat.default !== "function") {
      setStatus("The chat could not be loaded. Please try again later.");
      return;
    }
    var delay = Number(cfg.messageDelayMs);
    window.careerChatConfig = cfg; // handy for tests and debugging

    watchWidget(cfg);
    window.WebChat.default(
      {
        socketUrl: cfg.socketUrl,
        socketPath: cfg.socketPath,
        initPayload: cfg.initPayload,
        title: cfg.title,
        subtitle: cfg.subtitle,
        inputTextFieldHint: cfg.inputPlaceholder,
        connectingText: "Connecting…",
        customData: { language: "en" },
        params: { storage: cfg.storage === "session" ? "session" : "local" },
        showMessageDate: false,
        showCloseButton: true,
        showFullScreenButton: false,
        displayUnreadCount: false,
        hideWhenNotConnected: true,
        docViewer: false,
        withRules: true,
        customMessageDelay: function () { return delay; },
        onSocketEvent: {
          connect: function () {
            setStatus("The career assistant chat is ready: use the chat button in the bottom-right corner.");
          },
          connect_error: function () {
            setStatus("The career assistant chat is unavailable right now. Please try again later.");
          },
          disconnect: function () {
            setStatus("The chat lost its connection and is trying to reconnect…");
          }
        }
      },
      null
    );
  }

  loadConfig().then(mount, function (err) {
    console.error(err);
    setStatus("The chat could not be loaded. Please try again later.");
  });
})();
