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
  var posts = document.getElementById("posts");
  if (!posts || !window.EventSource) return;
  document.documentElement.classList.add("js");

  var pinned = document.getElementById("pinned");
  var button = document.getElementById("new-updates");
  var status = document.getElementById("live-status");
  var newestFirst = posts.dataset.order !== "oldest";
  var firstPage = posts.dataset.firstPage === "true";
  var morePages = posts.dataset.more === "true";
  var baseTitle = document.title;
  var waiting = []; // fragments held back while the reader is reading further down

  var sort = document.getElementById("sort-order");
  if (sort) sort.addEventListener("change", function () { sort.form.submit(); });

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
    if (node.classList.contains("post--pinned") && pinned) {
      pinned.hidden = false;
      pinned.appendChild(node);
      return node;
    }
    return placeInList(node);
  }

  function announce(text) { if (status) status.textContent = text; }

  function showWaiting() {
    if (!button) return;
    var n = waiting.length;
    button.hidden = n === 0;
    button.textContent = n === 1 ? "1 new update" : n + " new updates";
    document.title = n ? "(" + n + ") " + baseTitle : baseTitle;
  }

  function revealWaiting() {
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

  function onPublished(message) {
    if (!message.html || articleOf(message.post.id)) return onUpdated(message);
    var node = fragment(message.html);
    node.classList.add("post--new");
    if (newestFirst && !node.classList.contains("post--pinned") && (!readerAtTop() || waiting.length)) {
      waiting.push(node);
      showWaiting();
      return;
    }
    if (place(node)) announce("New post: " + message.post.headline);
  }

  function onUpdated(message) {
    var existing = articleOf(message.post.id);
    var held = waiting.findIndex(function (n) { return n.id === "post-" + message.post.id; });
    if (!message.html) return onDeleted(message);
    var node = fragment(message.html);
    if (held >= 0 && node.classList.contains("post--pinned")) {
      waiting.splice(held, 1); // a pinned post goes up top at once, not behind the button
      showWaiting();
      place(node);
    } else if (held >= 0) {
      waiting[held] = node;
    } else if (existing) {
      var movesSection = node.classList.contains("post--pinned") !== existing.classList.contains("post--pinned");
      if (movesSection) {
        existing.remove();
        place(node);
      } else {
        existing.replaceWith(node);
      }
    } else if (message.type !== "post.updated") {
      place(node);
    }
    if (pinned) pinned.hidden = !pinned.querySelector("article");
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
    baseTitle = blog.title + " | Liveline";
    document.title = waiting.length ? "(" + waiting.length + ") " + baseTitle : baseTitle;
    var closed = blog.status !== "open";
    var badge = text("blog-live", closed ? "Closed" : "Live");
    if (badge) badge.classList.toggle("blog-live--closed", closed);
    if (closed) {
      announce("This live blog has ended.");
      source.close(); // nothing more will come
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

  if (posts.dataset.status !== "open") return; // a closed blog has nothing more to say
  var since = posts.dataset.since;
  var url = posts.dataset.stream + (since ? "?since=" + encodeURIComponent(since) : "");
  var source = new EventSource(url);
  Object.keys(handlers).forEach(function (type) {
    source.addEventListener(type, function (event) {
      var message = JSON.parse(event.data);
      handlers[type](message);
      onBlog(message);
    });
  });
  source.addEventListener("open", function () { document.documentElement.dataset.live = "on"; });
  source.addEventListener("error", function () { document.documentElement.dataset.live = "retrying"; });
})();
