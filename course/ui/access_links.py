"""One-time links on the sign-in page (choose a passphrase), "forgot passphrase", and sending mail.

A link opens the app at `/?invite=TOKEN` or `/?reset=TOKEN`. The token moves from the address
bar into this browser session at once (the address is cleared), is never drawn on the page, and
every refusal, whatever its reason, is the same plain sentence.
"""

from __future__ import annotations

import threading

import streamlit as st

from course.domain.mail import LinkKind
from course.integrations.mail import mailer_from_settings
from course.services.accounts import AccountError
from course.services.invitations import LINK_REFUSED, ShownLink, check_link, request_reset, use_link
from course.services.outbox import course_messages, send_outbox
from course.ui import auth, resources, state

#: Emails one background run sends at most; `python -m course mail send` sends the rest.
BACKGROUND_LIMIT = 500


def send_soon() -> None:
    """Send due emails in a background thread, so no page waits for the mail server."""
    engine = resources.engine()
    mail = resources.settings().mail
    root = resources.settings().content_root

    def work() -> None:
        try:
            report = send_outbox(engine, mailer_from_settings(mail), mail=mail, limit=BACKGROUND_LIMIT,
                                 messages=course_messages(root))
        except Exception as error:  # a thread's exception would vanish: say it where operators look
            print(f"Need to Share: sending email failed: {type(error).__name__}: {error}", flush=True)
            return
        for problem in report.errors:
            print(f"Need to Share: email not sent: {problem}", flush=True)

    threading.Thread(target=work, name="nts-mail", daemon=True).start()


def print_links(shown: tuple[ShownLink, ...]) -> None:
    """Print invitation links on the server console (no SMTP is configured)."""
    for link in shown:
        print(f"Need to Share invitation for {link.email}: {link.link}", flush=True)


def _take_token_from_address() -> None:
    """Move a link's token from the address into the session, and clear the address."""
    found = [kind.value for kind in LinkKind if kind.value in st.query_params]
    if not found:
        return
    raw = st.query_params.get(found[0]) or ""
    # A huge value is kept as a mark that cannot match, never as itself.
    state.put(state.LINK_TOKEN, value=raw if len(raw) <= 64 else "!")
    for kind in found:  # only the link's own parameters: others may belong to someone else
        del st.query_params[kind]


def _passphrase_form(token: str, *, email: str, kind: LinkKind) -> None:
    st.header("Choose your passphrase" if kind is LinkKind.INVITE else "Choose a new passphrase",
              anchor=False)
    st.text(f"For the account {email}")
    st.caption("At least 12 characters. A few unrelated words make a strong passphrase that is easy "
               "to remember.")
    with st.form("link-passphrase", clear_on_submit=True):
        first = st.text_input("New passphrase", type="password", autocomplete="new-password")
        again = st.text_input("Repeat the new passphrase", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Set passphrase", type="primary")
    if not submitted:
        return
    if first != again:
        st.error("The two passphrases differ.")
        return
    try:
        signed_as = use_link(resources.engine(), token, first, passwords=resources.passwords(),
                             address=auth.client_address(),
                             local_passphrases=resources.settings().local_passphrases)
    except AccountError as error:
        st.error(str(error))
        return
    state.take(state.LINK_TOKEN)
    notice = f"Your passphrase is set. Sign in with {signed_as} and your new passphrase."
    state.put(state.LINK_NOTICE, value=notice)
    st.rerun()


def render_landing() -> bool:
    """Show the passphrase form of a link being followed; return whether the page is taken."""
    _take_token_from_address()
    flash = state.take(state.LINK_NOTICE)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    token = state.get(state.LINK_TOKEN)
    if token is None:
        return False
    check = check_link(resources.engine(), token)
    if check is None:
        st.error(LINK_REFUSED)
    else:
        _passphrase_form(token, email=check.email, kind=check.kind)
    if st.button("Back to sign in", key="link-back"):
        state.take(state.LINK_TOKEN)
        st.rerun()
    return True


def render_forgot() -> None:
    """Offer a reset link by email; the answer is the same whatever the email."""
    with st.expander("Forgot your passphrase?"):
        with st.form("forgot-passphrase", clear_on_submit=True):
            email = st.text_input("Your email", autocomplete="username", max_chars=254)
            submitted = st.form_submit_button("Email me a link")
        if submitted:
            answer = request_reset(resources.engine(), email, mail=resources.settings().mail,
                                   address=auth.client_address(),
                                   local_passphrases=resources.settings().local_passphrases)
            send_soon()  # always, so the answer takes as long whether or not an email was queued
            st.info(answer)
