"""Sign-in and registration with a mobile number (Oscar asks for an email address)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer import forms as oscar_forms

from shop.accounts import services as accounts
from shop.accounts.models import mobile_validator
from shop.core.errors import DomainError

User = get_user_model()


class EmailAuthenticationForm(oscar_forms.EmailAuthenticationForm):
    username = forms.CharField(
        label=_("手机号 (Mobile number)"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "tel"}),
    )


def sms_code_field():
    return forms.RegexField(
        label=_("短信验证码"), regex=r"^[0-9]{6}\Z", max_length=6,
        error_messages={"invalid": _("请输入6位数字验证码")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("先点「获取验证码」, 验证码会发到这个手机号"),
    )


class EmailUserCreationForm(oscar_forms.EmailUserCreationForm):
    """Registration: the number is proven by an SMS code before anything about it is said
    (whether it is already registered is told only to the holder of a valid code)."""

    mobile = forms.CharField(label=_("手机号 (Mobile number)"), max_length=11, validators=[mobile_validator])
    code = sms_code_field()
    email = forms.EmailField(label=_("Email address"), required=False)

    class Meta(oscar_forms.EmailUserCreationForm.Meta):
        model = User
        fields = ("mobile", "email")

    def clean_mobile(self):
        return self.cleaned_data["mobile"].strip()

    def validate_unique(self):
        """Not here: "already registered" is said only to the holder of a valid code (clean())."""

    def clean(self):
        cleaned = super().clean()
        if self.errors or not cleaned.get("mobile") or not cleaned.get("code"):
            return cleaned
        try:
            accounts.check_registration_code(mobile=cleaned["mobile"], code=cleaned["code"])
        except DomainError as error:
            for field, messages in error.fields.items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def clean_email(self):
        email = self.cleaned_data.get("email")
        if not email:
            return None
        return super().clean_email()


class SmsCodeRequestForm(forms.Form):
    mobile = forms.CharField(label=_("手机号 (Mobile number)"), max_length=11, validators=[mobile_validator])
    purpose = forms.ChoiceField(choices=[("register", "register"), ("reset", "reset")], widget=forms.HiddenInput)


class SmsPasswordResetForm(forms.Form):
    """A new password for the holder of the number (an SMS code instead of Oscar's email link)."""

    mobile = forms.CharField(label=_("手机号 (Mobile number)"), max_length=11, validators=[mobile_validator])
    code = sms_code_field()
    new_password1 = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("再输一次新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password1") and cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", _("两次输入的密码不一致"))
        return cleaned
