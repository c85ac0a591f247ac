"""Sign-in and registration with a mobile number (Oscar asks for an email address)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer import forms as oscar_forms

from shop.accounts.models import mobile_validator

User = get_user_model()


class EmailAuthenticationForm(oscar_forms.EmailAuthenticationForm):
    username = forms.CharField(
        label=_("手机号 (Mobile number)"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "tel"}),
    )


class EmailUserCreationForm(oscar_forms.EmailUserCreationForm):
    mobile = forms.CharField(label=_("手机号 (Mobile number)"), max_length=11, validators=[mobile_validator])
    email = forms.EmailField(label=_("Email address"), required=False)

    class Meta(oscar_forms.EmailUserCreationForm.Meta):
        model = User
        fields = ("mobile", "email")

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].strip()
        if User._default_manager.filter(mobile=mobile).exists():
            raise forms.ValidationError(_("该手机号已注册 (This mobile number is already registered)."))
        return mobile

    def clean_email(self):
        email = self.cleaned_data.get("email")
        if not email:
            return None
        return super().clean_email()
