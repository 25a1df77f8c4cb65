// Liveline live updates: follows the blog's event stream and keeps the page current.
// The page works without this script; it only adds what a reload would show.
(function () {
  "use strict";
  // An embed's player (sanitised, held in a <template>) enters the page only when the reader
  // asks: until then no provider's script or frame loads.
  document.addEventListener("click", function (event) {
    var load = event.target.closest && event.target.closest(".embed-card__load");
    if (!load) return;
    var template = load.nextElementSibling;
    if (template && template.tagName === "TEMPLATE") {
      var player = document.createElement("div");
      player.className = "embed-card__player";
      player.appendChild(template.content.cloneNode(true));
      load.replaceWith(player);
      template.remove();
    }
  });
  document.documentElement.classList.add("js");
  // The page's words, in its language, from the catalogue (web/words.py): none are here.
  var lang = document.documentElement.lang || "en-US";
  var words = {};
  try { words = JSON.parse(document.getElementById("page-words").textContent); } catch (e) {}
  function say(key, values) {
    var text = words[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function sayCount(key, n) {
    var forms = words[key] || {};
    var form = forms[new Intl.PluralRules(lang).select(n)] || forms.other || "";
    return form.split("{n}").join(String(n));
  }
  // Tests shorten these; a page never sets them.
  var timing = Object.assign({ openWithin: 10000, poll: 5000, watch: 30000, backoff: 2000 },
    window.livelineTiming || {});

  // Share: the device's own sheet where it has one, else the link goes to the clipboard.
  // The post's own page is what is shared: it has the title and preview a link card needs.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".post__share");
    if (!button) return;
    var url = new URL(button.dataset.share, location.href).href;
    if (navigator.share) {
      navigator.share({ title: button.dataset.title, url: url }).catch(function () {});
    } else {
      copy(url).then(function () { flash(button, say("linkCopied")); },
        function () { window.prompt(say("copyThisLink"), url); });
    }
  });

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.style.position = "fixed";
      field.style.opacity = "0";
      document.body.appendChild(field);
      field.select();
      var done = document.execCommand("copy");
      field.remove();
      (done ? resolve : reject)();
    });
  }

  function flash(button, words) {
    var before = button.innerHTML;
    button.textContent = words;
    setTimeout(function () { button.innerHTML = before; }, 2000);
  }

  // Relative times beside the absolute ones ("5 min. ago", "vor 5 Min."), kept current.
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { style: "short" }) : null;
  function ago(when) {
    var minutes = Math.floor((Date.now() - when) / 60000);
    if (isNaN(minutes) || minutes < 0 || !relative) return "";
    if (minutes < 1) return say("justNow");
    if (minutes < 60) return relative.format(-minutes, "minute");
    if (minutes < 24 * 60) return relative.format(-Math.floor(minutes / 60), "hour");
    return "";
  }

  function refreshTimes(root) {
    (root || document).querySelectorAll(".post__time > a > time").forEach(function (time) {
      var holder = time.parentNode;
      var label = holder.parentNode.querySelector(".post__ago");
      if (!label) {
        label = document.createElement("span");
        label.className = "post__ago";
        holder.after(label);
      }
      label.textContent = ago(Date.parse(time.getAttribute("datetime")));
    });
  }
  refreshTimes();
  setInterval(refreshTimes, 30000);

  var posts = document.getElementById("posts");
  if (!posts) return; // a post's own page: sharing and times are all it needs

  // In an iframe, the embed tells the page around it how tall it is (see web/embedcode.py).
  if (document.body.classList.contains("embed") && window.parent !== window && window.ResizeObserver) {
    var reported = 0;
    new ResizeObserver(function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === reported) return;
      reported = height;
      window.parent.postMessage({ liveline: "height", height: height }, "*"); // a height, no secret
    }).observe(document.documentElement);
  }

  var pinned = document.getElementById("pinned");
  var button = document.getElementById("new-updates");
  var status = document.getElementById("live-status");
  var notice = document.getElementById("live-notice");
  var keyBox = document.getElementById("key-events");
  var keyList = document.getElementById("key-events-list");
  var newestFirst = posts.dataset.order !== "oldest";
  var firstPage = posts.dataset.firstPage === "true";
  var morePages = posts.dataset.more === "true";
  var keyOnly = posts.dataset.filter === "key";
  var slug = posts.dataset.stream.split("/")[2];
  var lastSeq = posts.dataset.since || "0";
  var baseTitle = document.title;
  var waiting = []; // fragments held back while the reader is reading further down

  var sort = document.getElementById("sort-order");
  if (sort) sort.addEventListener("change", function () { sort.form.submit(); });

  // A link to a post (?post=ID) opens the page that holds it; bring the post into view.
  var focus = posts.dataset.focus && document.getElementById("post-" + posts.dataset.focus);
  if (focus && location.hash !== "#" + focus.id) focus.scrollIntoView({ block: "start" });

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function articleOf(id) { return document.getElementById("post-" + id); }

  function publishedOf(node) { return Date.parse(node.dataset.published || "") || 0; }

  function readerAtTop() { return posts.getBoundingClientRect().top >= 0; }

  // Where a post belongs among those shown, or null when it belongs on another page.
  function placeInList(node) {
    var when = publishedOf(node);
    var shown = posts.querySelectorAll(":scope > article.post");
    for (var i = 0; i < shown.length; i++) {
      var other = publishedOf(shown[i]);
      if (newestFirst ? when > other : when < other) {
        if (newestFirst && i === 0 && !firstPage) return null; // newer than this page holds
        posts.insertBefore(node, shown[i]);
        return node;
      }
    }
    if (morePages || (newestFirst && !firstPage && shown.length)) return null;
    var empty = posts.querySelector(".posts__empty");
    if (empty) empty.remove();
    posts.appendChild(node);
    return node;
  }

  function place(node) {
    refreshTimes(node);
    if (node.classList.contains("post--pinned") && pinned) {
      pinned.hidden = false;
      pinned.appendChild(node);
      return node;
    }
    return placeInList(node);
  }

  function announce(text) { if (status) status.textContent = text; }

  // What the reader can see of the page's state: dropped, back, polling, ended.
  var noticeTimer = null;
  function tell(text, tone, forMs) {
    if (!notice) return;
    clearTimeout(noticeTimer);
    notice.textContent = text;
    notice.dataset.tone = tone || "";
    notice.hidden = !text;
    if (text) announce(text);
    if (forMs) noticeTimer = setTimeout(function () { notice.hidden = true; }, forMs);
  }

  function showWaiting() {
    if (!button) return;
    var n = waiting.length;
    button.hidden = n === 0;
    button.textContent = sayCount("newUpdates", n);
    if (n) announce(say("above", { updates: button.textContent })); // the polite live region, not a focus grab
    document.title = n ? "(" + n + ") " + baseTitle : baseTitle;
  }

  function revealWaiting() {
    if (newestFirst && !firstPage) { // the newest posts are on the first page, not this one
      location.assign(location.pathname + (keyOnly ? "?filter=key" : ""));
      return;
    }
    var first = null;
    waiting.splice(0).forEach(function (node) {
      var placed = place(node);
      if (placed) {
        placed.classList.add("post--new");
        first = first || placed;
      }
    });
    showWaiting();
    var top = pinned && !pinned.hidden ? pinned : posts;
    top.scrollIntoView({ block: "start" });
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
    }
  }

  if (button) button.addEventListener("click", revealWaiting);

  // The key-events box lists every key post, newest first, whatever page this is.
  function keyEvent(message) {
    if (!keyList) return;
    var post = message.post;
    var old = keyList.querySelector('li[data-post-id="' + post.id + '"]');
    if (old) old.remove();
    if (message.html && post.key_event && post.status === "published") {
      var item = document.createElement("li");
      item.dataset.postId = post.id;
      item.dataset.published = post.published_at;
      var link = document.createElement("a");
      link.href = "/blogs/" + slug + "?post=" + post.id + (newestFirst ? "" : "&order=oldest") + "#post-" + post.id;
      var time = document.createElement("time");
      time.setAttribute("datetime", post.published_at);
      var shown = fragment(message.html).querySelector(".post__time time");
      time.textContent = shown ? shown.textContent.split(",")[0] : "";
      var words = document.createElement("span");
      words.className = "key-events__headline";
      words.textContent = post.headline;
      link.append(time, " ", words);
      item.appendChild(link);
      var when = publishedOf(item);
      var later = Array.prototype.find.call(keyList.children, function (li) { return publishedOf(li) < when; });
      keyList.insertBefore(item, later || null);
    }
    keyBox.hidden = !keyList.children.length;
  }

  function hiddenByFilter(node) { return keyOnly && !node.classList.contains("post--key"); }

  function onPublished(message) {
    if (!message.html || articleOf(message.post.id)) return onUpdated(message);
    var node = fragment(message.html);
    if (hiddenByFilter(node)) return;
    node.classList.add("post--new");
    if (newestFirst && !node.classList.contains("post--pinned") && (!readerAtTop() || waiting.length)) {
      waiting.push(node);
      showWaiting();
      return;
    }
    if (place(node)) announce(say("newPost", { headline: message.post.headline }));
  }

  function onUpdated(message) {
    var existing = articleOf(message.post.id);
    var held = waiting.findIndex(function (n) { return n.id === "post-" + message.post.id; });
    if (!message.html) return onDeleted(message);
    var node = fragment(message.html);
    if (hiddenByFilter(node)) return onDeleted(message);
    refreshTimes(node);
    if (held >= 0 && node.classList.contains("post--pinned")) {
      waiting.splice(held, 1); // a pinned post goes up top at once, not behind the button
      showWaiting();
      place(node);
    } else if (held >= 0) {
      waiting[held] = node;
    } else if (existing) {
      var movesSection = node.classList.contains("post--pinned") !== existing.classList.contains("post--pinned");
      // A corrected time moves the post to where that time belongs.
      var moved = node.dataset.published !== existing.dataset.published;
      if (movesSection || moved) {
        existing.remove();
        place(node);
      } else {
        existing.parentNode.insertBefore(node, existing);
        keepPlayers(existing, node);
        existing.remove();
      }
    } else if (message.type !== "post.updated" || keyOnly) {
      place(node);
    }
    if (pinned) pinned.hidden = !pinned.querySelector("article");
  }

  // A player the reader has started keeps playing when its post is shown afresh (an edit,
  // or the card filled in once the provider answered): the new card for the same link takes
  // the old card's player in place of its button. Both posts are in the page then, so that
  // moveBefore (where the browser has it) moves the player's frame without reloading it.
  function keepPlayers(existing, node) {
    existing.querySelectorAll(".embed-card__player").forEach(function (player) {
      var link = player.parentNode.querySelector(".embed-card__link");
      if (!link) return;
      var card = Array.prototype.filter.call(node.querySelectorAll(".embed-card"), function (fresh) {
        var same = fresh.querySelector(".embed-card__link");
        return same && same.getAttribute("href") === link.getAttribute("href") &&
          fresh.querySelector(".embed-card__load");
      })[0];
      if (!card) return;
      var load = card.querySelector(".embed-card__load");
      var template = load.nextElementSibling;
      var parent = load.parentNode;
      if (parent.moveBefore) parent.moveBefore(player, load); else parent.insertBefore(player, load);
      load.remove();
      if (template && template.tagName === "TEMPLATE") template.remove();
    });
  }

  function onDeleted(message) {
    var existing = articleOf(message.post.id);
    if (existing) existing.remove();
    waiting = waiting.filter(function (n) { return n.id !== "post-" + message.post.id; });
    showWaiting();
    if (pinned) pinned.hidden = !pinned.querySelector("article");
  }

  function text(id, value) {
    var node = document.getElementById(id);
    if (node && value != null) node.textContent = value;
    return node;
  }

  function onBlogChanged(message) {
    var blog = message.blog;
    text("blog-title", blog.title);
    var byline = text("blog-byline", blog.byline_text);
    if (byline) byline.hidden = !blog.byline_text;
    baseTitle = blog.title + " | " + (posts.dataset.siteName || "Liveline");
    document.title = waiting.length ? "(" + waiting.length + ") " + baseTitle : baseTitle;
    var closed = blog.status !== "open";
    var badge = text("blog-live", say(closed ? "closed" : "live"));
    if (badge) badge.classList.toggle("blog-live--closed", closed);
    if (closed) end();
    else if (!live) resume();
    // "What we know": the server's sanitised HTML, as a post's body is.
    var summary = document.getElementById("summary");
    if (summary && blog.summary_html != null) {
      document.getElementById("summary-body").innerHTML = blog.summary_html;
      summary.hidden = !blog.summary_html;
    }
  }

  function onBlog(message) {
    var blog = message.blog;
    if (!blog) return;
    var count = document.getElementById("blog-count");
    if (count && blog.count_text) count.textContent = blog.count_text;
    var updated = document.getElementById("blog-updated");
    if (updated && blog.updated_text) {
      updated.textContent = blog.updated_text;
      updated.setAttribute("datetime", blog.updated_at);
    }
  }

  var handlers = {
    "post.published": onPublished,
    "post.updated": onUpdated,
    "post.pinned": onUpdated,
    "post.unpinned": onUpdated,
    "post.deleted": onDeleted,
    "blog.updated": onBlogChanged,
    "blog.closed": onBlogChanged,
  };

  function handle(type, message, seq) {
    if (+seq <= +lastSeq) return; // seen already (a poll and a stream may overlap)
    lastSeq = String(seq);
    if (!handlers[type]) return;
    handlers[type](message);
    if (message.post) keyEvent(message);
    onBlog(message);
  }

  // "Load more" brings the next page into this page, which stays live; the link is the
  // same one a reader without this script follows.
  var pager = document.getElementById("load-more");
  if (pager) pager.addEventListener("click", function (event) {
    event.preventDefault();
    pager.setAttribute("aria-busy", "true");
    fetch(pager.href, { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var first = null;
        page.querySelectorAll("#posts > article.post").forEach(function (node) {
          if (articleOf(node.dataset.postId)) return;
          node = document.importNode(node, true);
          refreshTimes(node);
          posts.appendChild(node);
          first = first || node;
        });
        var next = page.getElementById("load-more");
        morePages = !!next;
        if (next) pager.href = next.href;
        else pager.parentNode.remove();
        pager.removeAttribute("aria-busy");
        if (first) {
          first.setAttribute("tabindex", "-1");
          first.focus({ preventScroll: true });
        }
      })
      .catch(function () { location.href = pager.href; }); // the plain link still works
  });

  // Live delivery: the stream, else polling (a proxy that buffers event streams never lets
  // one open), with the reader told when the page loses touch and when it is back.
  var source = null;
  var live = false; // following the blog, by stream or by polling
  var polling = null;
  var watching = null;
  var dropped = false;
  var openTimer = null;
  // An open stream shows a heartbeat event at least this often (the server's interval, a
  // few times over): a quiet one is held back on the way (some proxies buffer event streams
  // whole), so the page polls instead.
  var quietMs = +(timing.quiet || posts.dataset.quietMs) || 60000;
  var quietTimer = null;

  function heard() {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(function () {
      if (source && live) startPolling();
    }, quietMs);
  }

  function setLive(state) { document.documentElement.dataset.live = state; }

  function stream() {
    if (!window.EventSource) return startPolling();
    var url = posts.dataset.stream + "?since=" + encodeURIComponent(lastSeq) + "&heartbeat=event";
    source = new EventSource(url);
    Object.keys(handlers).forEach(function (type) {
      source.addEventListener(type, function (event) {
        clearTimeout(openTimer);
        heard();
        handle(type, JSON.parse(event.data), event.lastEventId);
      });
    });
    source.addEventListener("heartbeat", heard);
    openTimer = setTimeout(startPolling, timing.openWithin);
    source.addEventListener("open", function () {
      clearTimeout(openTimer);
      heard();
      setLive("on");
      if (dropped) tell(say("backOnline"), "ok", 5000);
      dropped = false;
    });
    source.addEventListener("error", function () {
      clearTimeout(quietTimer); // reconnecting: the next open starts the watch again
      if (!live) return;
      setLive("retrying");
      if (!dropped) tell(say("connectionLost"), "warn");
      dropped = true;
      if (source.readyState === EventSource.CLOSED) { // refused outright: retry by hand
        source = null;
        setTimeout(function () { if (live && !polling && !source) stream(); }, timing.backoff);
      }
    });
  }

  function stopStream() {
    clearTimeout(openTimer);
    clearTimeout(quietTimer);
    if (source) source.close();
    source = null;
  }

  // One poll of the log after the last event seen; `then` runs when it answered.
  function pollOnce(then) {
    fetch(posts.dataset.poll + "?since=" + encodeURIComponent(lastSeq), { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (page) {
        page.events.forEach(function (message) { handle(message.type, message, message.seq); });
        if (then) then(page);
      })
      .catch(function () {
        if (live && !dropped) tell(say("connectionLost"), "warn");
        if (live) dropped = true;
      });
  }

  function startPolling() {
    stopStream();
    setLive("polling");
    var tick = function () {
      pollOnce(function () {
        if (dropped) tell(say("backOnline"), "ok", 5000);
        dropped = false;
      });
    };
    tick();
    polling = setInterval(tick, timing.poll);
  }

  function end() {
    live = false;
    stopStream();
    clearInterval(polling);
    polling = null;
    setLive("ended");
    tell(say("ended"), "ended");
    // A blog may be reopened: look in now and then (one small request, no open stream).
    if (!watching) watching = setInterval(function () { pollOnce(); }, timing.watch);
  }

  function resume() {
    clearInterval(watching);
    watching = null;
    live = true;
    tell(say("resumed"), "ok", 5000);
    stream();
  }

  if (posts.dataset.status !== "open") {
    setLive("ended");
    watching = setInterval(function () { pollOnce(); }, timing.watch);
  } else {
    live = true;
    stream();
  }
})();
