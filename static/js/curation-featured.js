/* Featured before, while editing: under each link and arXiv id of the issue page, where it
   already appeared in a live issue (number, section, date). Asks the server as you type. */
function curationFeatured() {
  "use strict";
  const data = document.getElementById("curation-data");
  if (!data) return;
  const url = data.dataset.featuredUrl;
  const issue = data.dataset.issue;
  const FIELDS = /-(url|paper_url|arxiv_id)$/;

  function inputs() {
    return Array.from(document.querySelectorAll("input")).filter(
      (input) => FIELDS.test(input.name) && !input.name.includes("__prefix__")
    );
  }

  function show(input, appearances) {
    let note = input.parentElement.querySelector(".curation-featured-note");
    if (!appearances || !appearances.length) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "curation-featured-note";
      note.setAttribute("role", "note");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = "";
    const strong = document.createElement("strong");
    strong.textContent = "Featured before: ";
    note.append(strong);
    appearances.forEach((a, i) => {
      const link = document.createElement("a");
      link.href = a.url;
      link.target = "_blank";
      link.textContent = a.where;
      note.append(i ? "; " : "", link, ` (“${a.title}”)`);
    });
  }

  let timer = null;
  function check() {
    const fields = inputs().filter((input) => input.value.trim());
    inputs().filter((input) => !input.value.trim()).forEach((input) => show(input, []));
    if (!fields.length) return;
    const query = new URLSearchParams();
    fields.forEach((input) => query.append("q", input.value.trim()));
    if (issue) query.append("issue", issue);
    fetch(`${url}?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : {}))
      .then((found) => fields.forEach((input) => show(input, found[input.value.trim()])))
      .catch(() => {});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  document.addEventListener("input", (event) => {
    if (event.target.name && FIELDS.test(event.target.name)) later();
  });
  check();
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", curationFeatured);
else curationFeatured();
