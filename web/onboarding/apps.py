from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "web.onboarding"
    label = "onboarding"
    verbose_name = "Cấp tài khoản"

    def ready(self) -> None:
        import rules

        from web.accounts.roles import is_admin, is_so_staff, same_agency

        # Issuing accounts, their first passwords and the appraisers' assignments: the Sở's chuyên viên and the
        # quản trị of the campaign's agency, nobody else (set_perm: a second ready() in one process is harmless).
        rules.set_perm("vanban.manage_onboarding", (is_admin | is_so_staff) & same_agency)
