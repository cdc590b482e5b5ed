"""The workspace in a real headless Chromium: signing in through the page, the home page at desktop and phone width
(screenshots for a person to look at: var/test-artefacts/ of the test's project, and $LOA_ARTEFACTS when set)."""
from __future__ import annotations


from selenium.webdriver.common.by import By

from support.browser import phone_width, screenshot, sign_in, wait_for
from support.web import PASSWORDS, campaign_today


def _week_with_a_post(project) -> None:
    campaign_today(project, title="Khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2026 tại tỉnh, với một tiêu đề "
                                  "rất dài để thử xuống dòng", name="Tuần lễ học tập suốt đời",
                   channels='"portal", "facebook"')


def test_sign_in_and_the_home_page_at_desktop_and_phone_width(live_web, browser):
    web, server = live_web
    _week_with_a_post(web.project)
    artefacts = web.project.root / "var" / "test-artefacts"
    browser.delete_all_cookies()
    phone_width(browser)
    try:
        browser.get(server.url + "/")  # a stranger lands on the login page
        wait_for(lambda: "/login" in browser.current_url, what="the login page")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, artefacts, "login-phone")
    finally:
        phone_width(browser, False)
    sign_in(browser, server.url, "lanh-dao", PASSWORDS["lanh-dao"])
    assert browser.find_element(By.CSS_SELECTOR, ".who .user").text == "lanh-dao"
    assert "Khai mạc" in browser.find_element(By.CSS_SELECTOR, "main").text
    assert "Cần xử lý" in browser.find_element(By.ID, "attention").text  # Vietnamese by default
    assert browser.execute_script("return typeof htmx") == "object"  # the vendored script loaded (no CDN)
    screenshot(browser, artefacts, "home-desktop")
    phone_width(browser)
    try:
        browser.refresh()
        wait_for(lambda: browser.execute_script("return document.readyState") == "complete", what="the page")
        assert browser.execute_script("return window.innerWidth") == 390
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, artefacts, "home-phone")
    finally:
        phone_width(browser, False)
    browser.find_element(By.CSS_SELECTOR, ".who button").click()  # sign out
    wait_for(lambda: "/login" in browser.current_url, what="the login page after signing out")
    assert server.stop() == 0
