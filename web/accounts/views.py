from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from web.accounts.forms import LoginForm
from web.audit.log import record


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        record("dang_nhap", user=form.get_user())
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.conf import settings

        context = super().get_context_data(**kwargs)
        if settings.DEMO:
            from web.accounts.demo import DEMO_ACCOUNTS

            context["demo_accounts"] = DEMO_ACCOUNTS
        return context


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            record("dang_xuat")
        return super().post(request, *args, **kwargs)


class VietnamesePasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mật khẩu hiện tại"
        self.fields["new_password1"].label = "Mật khẩu mới"
        self.fields["new_password2"].label = "Nhập lại mật khẩu mới"
        self.fields[
            "new_password1"
        ].help_text = "Ít nhất 10 ký tự, không quá giống tên đăng nhập, không phải mật khẩu phổ biến, không chỉ gồm chữ số."


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = VietnamesePasswordChangeForm
    template_name = "accounts/password_change.html"

    def form_valid(self, form: VietnamesePasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        profile = getattr(self.request.user, "profile", None)
        if profile is not None and profile.must_change_password:
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
        record("doi_mat_khau")
        messages.success(self.request, "Đã đổi mật khẩu.")
        return response

    def get_success_url(self) -> str:
        return "/"


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    from django.shortcuts import render

    from web.jobs.models import Job

    profile = getattr(request.user, "profile", None)
    # The Sở's jobs are the Sở's business: the units' people do not see them (as the job pages say).
    jobs = (
        Job.objects.filter(agency_id=profile.agency_id)[:10]
        if profile and request.user.has_perm("vanban.view_job")
        else []
    )
    return render(request, "web/home.html", {"jobs": jobs})
