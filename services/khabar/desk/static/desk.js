// The desk page: follows /events (server-sent events) and draws what comes.
// Every text from a record is untrusted: it goes into the page only as textContent or an attribute value,
// never as HTML.
"use strict";

const MAX_CARDS = 60;
const TYPE_NAMES = { PERS: "شخص", LOC: "مكان", ORG: "منظمة", MISC: "أخرى" };
const cards = new Map(); // story id (or article id) -> the card's element
let shownIds = new Set();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function when(moment) {
  if (!moment) return "";
  const date = new Date(moment);
  return isNaN(date) ? String(moment) : date.toLocaleTimeString("ar", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// --- text with its mentions ---------------------------------------------------------------------------------

function segments(container, parts) {
  container.dir = "auto"; // a title in Latin script (or one that starts with markup) reads left to right
  for (const part of parts) {
    if (typeof part === "string") {
      container.appendChild(document.createTextNode(part));
    } else {
      const mark = el("mark", "ent ent-" + (TYPE_NAMES[part.type] ? part.type : "MISC"), part.m);
      mark.tabIndex = 0;
      mark.details = part.d || {};
      container.appendChild(mark);
    }
  }
  return container;
}

function detailLines(d) {
  const lines = [[TYPE_NAMES[d.type] || d.type, d.type]];
  if (typeof d.confidence === "number") lines.push(["الثقة", Math.round(d.confidence * 100) + "%"]);
  if (d.name) lines.push(["الاسم", d.name]);
  if (d.latin) lines.push(["Latin", d.latin + (d.latin_source ? " (" + d.latin_source + ")" : "")]);
  if (d.geo) {
    const g = d.geo;
    if (g.country) lines.push(["البلد", g.country + (g.admin1 ? " · " + g.admin1 : "")]);
    if (g.feature) lines.push(["النوع", g.feature]);
    if (g.geonames_id) lines.push(["GeoNames", g.geonames_id]);
  }
  if (d.id) lines.push(["id", d.id]);
  return lines;
}

const tooltip = () => document.getElementById("tooltip");

function showTooltip(mark) {
  const tip = tooltip();
  clear(tip);
  for (const [label, value] of detailLines(mark.details)) {
    const line = el("div", "line");
    line.appendChild(el("b", null, label));
    line.appendChild(el("span", null, value));
    tip.appendChild(line);
  }
  const box = mark.getBoundingClientRect();
  tip.hidden = false;
  tip.style.top = Math.min(window.innerHeight - tip.offsetHeight - 4, box.bottom + 6) + "px";
  tip.style.left = Math.max(4, Math.min(window.innerWidth - tip.offsetWidth - 4, box.left)) + "px";
}

function hideTooltip() {
  tooltip().hidden = true;
}

// --- articles and stories -----------------------------------------------------------------------------------

function link(article) {
  if (!article.url) return el("span", "source", article.source);
  const a = el("a", "source", article.source);
  a.href = article.url; // the desk only sends http(s) URLs
  a.rel = "noopener noreferrer";
  a.target = "_blank";
  return a;
}

function card(article) {
  const li = el("li", "article");
  li.dataset.id = article.id;
  const meta = el("div", "meta");
  meta.appendChild(link(article));
  meta.appendChild(el("time", null, when(article.published || article.enriched_at)));
  meta.appendChild(el("span", "count", article.mention_count + " إشارة"));
  if (article.focus) {
    const focus = article.focus;
    meta.appendChild(el("span", "focus", "المحور: " + [focus.city, focus.country].filter(Boolean).join(" · ")));
  }
  li.appendChild(meta);
  li.appendChild(segments(el("h3", "title"), article.title));
  if (article.body.length) li.appendChild(segments(el("p", "lead"), article.body[0]));
  if (article.body.length > 1 || article.cut) {
    const more = el("details", "more");
    more.appendChild(el("summary", null, "النص الكامل"));
    for (const paragraph of article.body.slice(1)) more.appendChild(segments(el("p"), paragraph));
    if (article.cut) more.appendChild(el("p", "cut", "(اقتُطع النص الطويل)"));
    li.appendChild(more);
  }
  const chips = el("ul", "entities");
  for (const entity of article.entities) {
    const chip = el("li", "ent ent-" + (TYPE_NAMES[entity.type] ? entity.type : "MISC"),
                    entity.name + (entity.count > 1 ? " ×" + entity.count : ""));
    if (entity.latin) chip.appendChild(el("span", "latin", entity.latin));
    chips.appendChild(chip);
  }
  li.appendChild(chips);
  const copies = el("details", "copies");
  copies.hidden = true;
  copies.appendChild(el("summary"));
  copies.appendChild(el("ol"));
  li.appendChild(copies);
  return li;
}

function addArticle(article, list) {
  if (shownIds.has(article.id)) return;
  shownIds.add(article.id);
  const storyId = (article.story && article.story.id) || article.id;
  const existing = cards.get(storyId);
  if (existing) { // a near-copy: folded under the story's first article, and the story comes back on top
    const copies = existing.querySelector(".copies");
    const item = el("li");
    item.appendChild(link(article));
    item.appendChild(segments(el("span", "title"), article.title));
    copies.querySelector("ol").appendChild(item);
    const count = copies.querySelector("ol").children.length;
    copies.querySelector("summary").textContent = "نسخ قريبة: " + count;
    copies.hidden = false;
    list.prepend(existing);
    return;
  }
  const li = card(article);
  li.dataset.story = storyId;
  cards.set(storyId, li);
  list.prepend(li);
  while (list.children.length > MAX_CARDS) {
    const last = list.lastElementChild;
    cards.delete(last.dataset.story);
    last.remove();
  }
}

function refile(article, list) { // its story came after it: a near-copy shown on its own card folds into the story's
  const own = cards.get(article.id);
  const storyId = article.story && article.story.id;
  if (!own || !storyId || storyId === article.id || own.dataset.story !== article.id) return;
  if (own.querySelector(".copies ol").children.length) return; // it heads copies of its own: left as it is
  own.remove();
  cards.delete(article.id);
  shownIds.delete(article.id);
  addArticle(article, list);
}

// --- side panels --------------------------------------------------------------------------------------------

function drawTrending(trending) {
  const list = document.getElementById("trending");
  clear(list);
  for (const entity of trending) {
    const li = el("li");
    li.appendChild(el("span", "ent ent-" + (TYPE_NAMES[entity.type] ? entity.type : "MISC"), entity.name));
    if (entity.latin) li.appendChild(el("span", "latin", entity.latin));
    li.appendChild(el("span", "figure", entity.stories + " خبر · " + entity.mentions + " إشارة"));
    list.appendChild(li);
  }
}

function drawPlaces(places) {
  const countries = document.getElementById("countries");
  clear(countries);
  for (const country of places.countries) {
    const li = el("li");
    li.appendChild(el("b", "code", country.country));
    if (country.name) li.appendChild(el("span", null, country.name));
    li.appendChild(el("span", "figure", country.articles));
    if (country.places.length) li.appendChild(el("div", "sub", country.places.join("، ")));
    countries.appendChild(li);
  }
  const unresolved = document.getElementById("places");
  clear(unresolved);
  for (const place of places.unresolved) {
    const li = el("li");
    li.appendChild(el("span", "ent ent-LOC", place.name));
    li.appendChild(el("span", "figure", place.articles));
    unresolved.appendChild(li);
  }
}

function addDeadletter(dead, list) {
  const li = el("li", "deadletter");
  const head = el("div", "meta");
  head.appendChild(el("b", "reason", dead.reason));
  head.appendChild(el("span", null, dead.stage));
  head.appendChild(el("time", null, when(dead.failed_at)));
  li.appendChild(head);
  li.appendChild(el("div", "where", (dead.id || dead.source_key || "—") + " · " + dead.key));
  for (const [tag, className, text] of [["div", "message", dead.message], ["code", "preview", dead.preview]]) {
    const node = el(tag, className, text);
    node.dir = "auto";
    li.appendChild(node);
  }
  list.prepend(li);
  while (list.children.length > MAX_CARDS) list.lastElementChild.remove();
}

function figure(rate) {
  return rate === null || rate === undefined ? "—" : rate.toFixed(1);
}

function drawHealth(health) {
  const box = document.getElementById("health");
  clear(box);
  const rows = [
    ["العمال", health.up + "/" + health.workers.length, health.workers.length && health.up < health.workers.length],
    ["داخل/ث", figure(health.rate_in)],
    ["خارج/ث", figure(health.rate_out)],
    ["مرفوض/ث", figure(health.rate_dead), health.rate_dead > 0],
    ["التأخر", health.lag === null ? "—" : String(health.lag), health.lag > 1000],
  ];
  for (const [label, value, bad] of rows) {
    const item = el("div", bad ? "bad" : "");
    item.appendChild(el("dt", null, label));
    item.appendChild(el("dd", null, value));
    box.appendChild(item);
  }
  const down = health.workers.filter((worker) => !worker.up).map((worker) => worker.url + " (" + worker.error + ")");
  box.title = down.length ? "unreachable: " + down.join(", ") : health.workers.map((worker) => worker.url).join(", ");
}

function drawCounts(counts) {
  document.getElementById("article-count").textContent = counts.articles ? "(" + counts.articles + ")" : "";
  document.getElementById("deadletter-count").textContent = counts.deadletters ? "(" + counts.deadletters + ")" : "";
  document.getElementById("no-articles").hidden = counts.articles > 0;
}

// --- the stream ---------------------------------------------------------------------------------------------

function snapshot(data) {
  const articles = document.getElementById("articles");
  const deadletters = document.getElementById("deadletters");
  clear(articles);
  clear(deadletters);
  cards.clear();
  shownIds = new Set();
  for (const article of data.articles.slice().reverse()) addArticle(article, articles);
  for (const dead of data.deadletters.slice().reverse()) addDeadletter(dead, deadletters);
  summary(data);
  drawHealth(data.health);
}

function summary(data) {
  drawTrending(data.trending);
  drawPlaces(data.places);
  drawCounts(data.counts);
}

function setConnection(state, text) {
  const node = document.getElementById("connection");
  node.dataset.state = state;
  node.textContent = text;
}

function connect() {
  const source = new EventSource("/events");
  const on = (kind, draw) => source.addEventListener(kind, (event) => draw(JSON.parse(event.data)));
  on("snapshot", snapshot);
  on("article", (article) => {
    addArticle(article, document.getElementById("articles"));
    document.getElementById("no-articles").hidden = true;
  });
  on("story", (article) => refile(article, document.getElementById("articles")));
  on("deadletter", (dead) => addDeadletter(dead, document.getElementById("deadletters")));
  on("summary", summary);
  on("health", drawHealth);
  source.onopen = () => setConnection("live", "مباشر");
  source.onerror = () => setConnection("lost", "انقطع الاتصال، يعيد المحاولة…"); // EventSource retries by itself
}

document.addEventListener("mouseover", (event) => {
  const mark = event.target.closest && event.target.closest("mark.ent");
  if (mark) showTooltip(mark); else hideTooltip();
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches("mark.ent")) showTooltip(event.target);
});
document.addEventListener("focusout", hideTooltip);
connect();
