"""Sign in: email and passphrase, links to choose one, demo accounts in demo mode, first-run setup."""

from __future__ import annotations

import streamlit as st

from course.services import demo
from course.services.accounts import (
    AccountError,
    complete_first_run_setup,
    needs_first_run_setup,
)
from course.ui import a11y, access_links, auth, resources
from course.ui.single_sign_on import render_single_sign_on
from course.ui.text import literal

#: The query parameter that shows the passphrase form to administrators when passphrases are off.
BREAK_GLASS = "break_glass"


def _password_form() -> None:
    with st.form("sign-in"):
        email = st.text_input("Email", autocomplete="username")
        passphrase = st.text_input("Passphrase", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        result = auth.sign_in_with_passphrase(email, passphrase)
        if result.ok:
            auth.start_session(result)
            st.rerun()
        st.error(literal(result.message))


def _demo_buttons() -> None:
    st.header("Try it as a demo user", anchor=False)
    st.caption("Demo mode is on: these accounts are for trying the product and hold no real data.")
    columns = st.columns(2)
    loaded = resources.course().course
    info = loaded.info if loaded is not None else None
    for index, person in enumerate(demo.demo_people(info)):
        with columns[index % 2]:
            if st.button(f"Demo: {literal(person.label)}", key=f"demo-{person.local}", width="stretch"):
                try:
                    # The course may have gained a role since start-up: its demo learner is added now.
                    demo.ensure_demo_organisation(resources.engine(), resources.settings(), info=info)
                    result = demo.demo_sign_in(resources.engine(), person.email,
                                               settings=resources.settings(), info=info,
                                               address=auth.client_address())
                except demo.DemoUnavailable as exc:
                    st.error(literal(str(exc).capitalize()))
                else:
                    auth.start_session(result)
                    st.rerun()


def _first_run() -> None:
    with st.expander("First run: set up the first administrator"):
        st.write("No account exists yet. The setup token was printed on the server console when "
                 "the app started.")
        with st.form("first-run"):
            token = st.text_input("Setup token", type="password")
            name = st.text_input("Your name")
            email = st.text_input("Email")
            passphrase = st.text_input("Passphrase (at least 12 characters)", type="password")
            submitted = st.form_submit_button("Create administrator")
        if submitted:
            try:
                complete_first_run_setup(resources.engine(), token, email=email, name=name,
                                         passphrase=passphrase, passwords=resources.passwords(),
                                         address=auth.client_address())
            except AccountError as exc:
                st.error(literal(exc))
            else:
                # Sign the new administrator in at once, through the usual (audited) sign-in.
                result = auth.sign_in_with_passphrase(email, passphrase)
                if result.ok:
                    auth.start_session(result)
                    st.rerun()
                st.success("The administrator account is ready. Sign in with it above.")


def render() -> None:
    """Draw the sign-in page."""
    a11y.page("Sign in")
    a11y.heading("Need to Share")
    st.write("Social media literacy for the people who run organisations.")
    local = resources.settings().local_passphrases
    if local and access_links.render_landing():  # an invitation or reset link is being followed
        return
    single_sign_on = render_single_sign_on()
    if local:
        if single_sign_on:
            st.caption("Or sign in with a passphrase of this course:")
        _password_form()
        access_links.render_forgot()
    elif st.query_params.get(BREAK_GLASS) == "1":
        st.caption("Administrators only: passphrases are switched off for everyone else.")
        _password_form()
    elif not single_sign_on:
        st.error("Passphrases are switched off and single sign-on is not configured: ask your "
                 "administrator.")
    if resources.settings().demo_mode:
        _demo_buttons()
    if needs_first_run_setup(resources.engine()):
        _first_run()


render()
