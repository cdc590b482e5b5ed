/* The week: drag a card onto another day to move it there at the same time of day; the card's "move" form
   does the same without a reload. Both post to /posts/<id>/move (the server applies `loa post reschedule`'s
   rules) and put back the card the server returns: at its new place, or where it was with the refusal on it. */
(function () {
  "use strict";
  function token() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRF-Token"]; } catch (e) { return ""; }
  }
  function place(card, dayIso) {
    var list = document.querySelector('.day[data-day="' + dayIso + '"] .cards');
    if (!list) { card.remove(); return; }  // moved out of the week shown
    var at = card.getAttribute("data-at");
    var before = null;
    list.querySelectorAll(".wcard").forEach(function (other) {
      if (!before && other !== card && other.getAttribute("data-at") > at) { before = other; }
    });
    list.insertBefore(card, before);
  }
  function send(card, at) {
    var id = card.getAttribute("data-post");
    var body = new URLSearchParams({at: at});
    var campaign = new URLSearchParams(location.search).get("campaign");
    if (campaign) { body.set("campaign", campaign); }
    card.classList.add("busy");
    return fetch("/posts/" + id + "/move", {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRF-Token": token(), "X-Loa-Fragment": "card", "HX-Request": "true"}
    }).then(function (response) {
      return response.text().then(function (html) {
        if (response.status === 401) { location.href = "/login"; return; }
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var fresh = holder.content.firstElementChild;
        if (!fresh || !fresh.classList.contains("wcard")) {  // an error page: show its words on the card
          fresh = card.cloneNode(true);
          fresh.classList.remove("busy");
          var note = document.createElement("p");
          note.className = "error move-error";
          note.setAttribute("role", "alert");
          note.textContent = holder.content.textContent.trim() || response.statusText;
          fresh.appendChild(note);
        }
        card.replaceWith(fresh);
        if (response.ok) { place(fresh, fresh.getAttribute("data-at").slice(0, 10)); }
        wire(fresh);
        var focus = fresh.querySelector(".move-error, .note");
        if (focus) { fresh.scrollIntoView({block: "nearest"}); }
      });
    });
  }
  function wire(card) {
    card.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", card.getAttribute("data-post"));
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });
    card.addEventListener("dragend", function () { card.classList.remove("dragging"); });
    var form = card.querySelector(".move-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(card, form.querySelector('[name="at"]').value);
      });
    }
  }
  function setup() {
    document.querySelectorAll(".wcard").forEach(wire);
    document.querySelectorAll(".day").forEach(function (day) {
      day.addEventListener("dragover", function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        day.classList.add("drop");
      });
      day.addEventListener("dragleave", function (event) {
        if (!day.contains(event.relatedTarget)) { day.classList.remove("drop"); }
      });
      day.addEventListener("drop", function (event) {
        event.preventDefault();
        day.classList.remove("drop");
        var id = event.dataTransfer.getData("text/plain");
        var card = document.getElementById("post-" + id);
        if (!card) { return; }
        var target = day.getAttribute("data-day");
        if (card.getAttribute("data-at").slice(0, 10) === target) { return; }
        send(card, target + " " + card.getAttribute("data-time"));
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
})();
