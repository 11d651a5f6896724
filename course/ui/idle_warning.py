"""The warning before an idle session ends, with "Stay signed in" (WCAG 2.2.1 Timing adjustable).

A signed-in session ends after NTS_SESSION_IDLE_MINUTES without activity. Each rerun sends a
small script that restarts a timer in the browser. Shortly before the end it asks the server
how long the session really has left (another tab may have kept it alive), without counting as
activity; if little is left, a dialog says so, takes the focus and offers "Stay signed in",
which asks the server to count the session as used now. When the time is up and the server
confirms the session is over, the dialog says so and offers to sign in again. The dialog lives
outside Streamlit's own tree, so reruns do not remove it, and it needs no rerun to work.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import streamlit as st

from course.services.accounts import SessionPolicy
from course.services.session_cookies import KEEP_ALIVE_PATH

#: The warning comes this long before the end (at least 20 seconds, WCAG 2.2.1; at most 2 minutes).
MIN_WARNING = timedelta(seconds=20)
MAX_WARNING = timedelta(minutes=2)
DIALOG_ID = "nts-idle"

_SCRIPT = """<script>(() => {
const ask = %s;
const doc = document;
const idle = window.ntsIdle || (window.ntsIdle = {});
clearTimeout(idle.timer);
let box = doc.getElementById(ask.id);
if (!box) {
  box = doc.createElement("div");
  box.id = ask.id;
  box.hidden = true;
  box.setAttribute("role", "alertdialog");
  box.setAttribute("aria-labelledby", ask.id + "-title");
  box.setAttribute("aria-describedby", ask.id + "-text");
  box.style.cssText = "position:fixed;bottom:1rem;right:1rem;z-index:1000000;max-width:24rem;" +
    "background:#ffffff;color:#1f2328;border:2px solid #1a4fd6;border-radius:8px;padding:1rem;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.25);font:1rem/1.5 sans-serif";
  const title = doc.createElement("p");
  title.id = ask.id + "-title";
  title.style.cssText = "margin:0 0 .5rem;font-weight:700";
  const text = doc.createElement("p");
  text.id = ask.id + "-text";
  text.style.margin = "0 0 .75rem";
  const button = doc.createElement("button");
  button.type = "button";
  button.style.cssText = "background:#1a4fd6;color:#ffffff;border:0;border-radius:6px;" +
    "padding:.5rem 1rem;font:inherit;cursor:pointer";
  box.append(title, text, button);
  doc.body.appendChild(box);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !idle.over) { event.preventDefault(); idle.stay(); }
  });
  button.addEventListener("click", () => idle.over ? window.location.reload() : idle.stay());
}
const [title, text, button] = box.children;
const minutes = (seconds) => seconds >= 90 ? `about ${Math.round(seconds / 60)} minutes`
  : `${Math.max(1, Math.round(seconds))} seconds`;
const left = async (method) => {
  try {
    const answer = await fetch(ask.path, {method, credentials: "same-origin", cache: "no-store"});
    if (answer.status === 401) { return 0; }
    if (!answer.ok) { return null; }
    return (await answer.json()).seconds_left;
  } catch (error) { return null; }  // the server is away: try again later, say nothing yet
};
const hide = () => {
  if (box.hidden) { return; }
  box.hidden = true;
  if (idle.before && idle.before.isConnected) { idle.before.focus(); }
};
const show = (words, label) => {
  title.textContent = idle.over ? ask.over_title : ask.title;
  text.textContent = words;
  button.textContent = label;
  if (box.hidden) {
    idle.before = doc.activeElement;
    box.hidden = false;
    button.focus();
  }
};
const wait = (seconds) => {
  clearTimeout(idle.timer);
  idle.timer = setTimeout(check, Math.max(1, seconds) * 1000);
};
const check = async () => {
  const seconds = await left("GET");
  if (seconds === null) { wait(15); return; }
  if (seconds <= 0) {
    idle.over = true;
    show(ask.over_text, ask.again);
    return;
  }
  if (seconds > ask.warn + 5) { hide(); wait(seconds - ask.warn); return; }
  show(ask.text.replace("{left}", minutes(seconds)), ask.stay_label);
  wait(Math.min(seconds, 15));
};
idle.stay = async () => {
  const seconds = await left("POST");
  if (seconds === null) { text.textContent = ask.away; return; }
  if (seconds <= 0) { idle.over = true; show(ask.over_text, ask.again); return; }
  hide();
  const live = doc.getElementById(ask.live);
  if (live) { live.textContent = ""; setTimeout(() => { live.textContent = ask.kept; }, 100); }
  wait(seconds - ask.warn);
};
idle.over = false;
hide();
wait(ask.first);
})();</script>"""


def warning_lead(idle: timedelta) -> timedelta:
    """Return how long before the end of an idle session the warning comes."""
    return max(MIN_WARNING, min(MAX_WARNING, idle / 4))


def watch(policy: SessionPolicy, *, live_region: str) -> None:
    """Send the script that warns before this idle session ends; call once per signed-in rerun.

    The first question to the server comes early enough for the activity the server has not
    written yet (it writes at most every `touch_every`).
    """
    idle = policy.idle
    lead = warning_lead(idle)
    first = idle - lead - policy.touch_every
    ask = {
        "id": DIALOG_ID, "path": KEEP_ALIVE_PATH, "live": live_region, "sent": time.time(),
        "first": max(1, int(first.total_seconds())), "warn": int(lead.total_seconds()),
        "title": "Are you still there?",
        "text": "You will be signed out in {left} because nothing has happened for a while. "
                "Choose Stay signed in to go on where you are.",
        "stay_label": "Stay signed in",
        "kept": "You are still signed in.",
        "over_title": "You have been signed out",
        "over_text": "Your session ended because nothing happened for "
                     f"{int(idle.total_seconds() // 60)} minutes. Sign in again to go on; "
                     "everything you finished is saved.",
        "again": "Sign in again",
        "away": "Need to Share cannot be reached just now. Try again in a moment.",
    }
    st.html(_SCRIPT % json.dumps(ask).replace("</", "<\\/"), unsafe_allow_javascript=True)
