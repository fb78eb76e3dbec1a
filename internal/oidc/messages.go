package oidc

import (
	"net/http"
	"strings"
)

// Languages of the login pages; the first is the default.
var languages = []string{"vi", "en"}

// messages is the login pages' catalogue: every text they show.
var messages = map[string]map[string]string{
	"vi": {
		"title.login":          "Đăng nhập bằng tài khoản định danh điện tử",
		"title.code":           "Nhập mã xác thực",
		"title.consent":        "Chia sẻ thông tin",
		"title.error":          "Không thể tiếp tục",
		"title.loggedout":      "Đã đăng xuất",
		"label.id_number":      "Số định danh cá nhân",
		"label.passcode":       "Mã khóa (6 chữ số)",
		"label.code":           "Mã xác thực",
		"label.method":         "Cách nhận mã",
		"method.sms":           "Tin nhắn SMS",
		"method.totp":          "Ứng dụng xác thực (TOTP)",
		"label.bind_device":    "Ghi nhớ thiết bị này",
		"button.login":         "Đăng nhập",
		"button.continue":      "Tiếp tục",
		"button.allow":         "Đồng ý chia sẻ",
		"button.deny":          "Từ chối",
		"button.passkey":       "Đăng nhập bằng khóa truy cập",
		"login.or":             "hoặc",
		"label.remember":       "Ghi nhớ lựa chọn cho dịch vụ này",
		"consent.intro":        "%s đề nghị được nhận các thông tin sau của bạn:",
		"consent.level":        "Mức tài khoản yêu cầu: %s",
		"code.sent":            "Mã đã được gửi tới số điện thoại %s.",
		"switch.lang":          "English",
		"loggedout.body":       "Bạn đã đăng xuất khỏi tài khoản định danh điện tử.",
		"claim.openid":         "Mã định danh của bạn đối với dịch vụ này",
		"claim.profile":        "Họ tên, giới tính, ngày sinh",
		"claim.address":        "Nơi cư trú",
		"claim.phone":          "Số điện thoại",
		"claim.id_number":      "Số định danh cá nhân",
		"claim.eid_level":      "Mức tài khoản định danh điện tử",
		"claim.offline_access": "Duy trì kết nối khi bạn không sử dụng dịch vụ",
		"err.request":          "Yêu cầu đăng nhập không hợp lệ hoặc đã hết hạn. Hãy quay lại dịch vụ và thử lại.",
		"err.csrf":             "Biểu mẫu đã hết hạn. Hãy thử lại.",
		"err.credentials":      "Số định danh hoặc mã khóa không đúng.",
		"err.locked":           "Tài khoản tạm bị khóa do nhập sai nhiều lần. Hãy thử lại sau.",
		"err.rate":             "Quá nhiều lần thử. Hãy đợi rồi thử lại.",
		"err.code":             "Mã xác thực không đúng hoặc đã hết hạn.",
		"err.generic":          "Đã có lỗi. Hãy thử lại.",
		"err.passkey":          "Không đăng nhập được bằng khóa truy cập. Hãy thử lại hoặc đăng nhập bằng mã khóa.",
	},
	"en": {
		"title.login":          "Log in with your electronic identification account",
		"title.code":           "Enter the verification code",
		"title.consent":        "Share your information",
		"title.error":          "Cannot continue",
		"title.loggedout":      "Logged out",
		"label.id_number":      "Personal identification number",
		"label.passcode":       "Passcode (6 digits)",
		"label.code":           "Verification code",
		"label.method":         "How to receive the code",
		"method.sms":           "SMS message",
		"method.totp":          "Authenticator app (TOTP)",
		"label.bind_device":    "Remember this device",
		"button.login":         "Log in",
		"button.continue":      "Continue",
		"button.allow":         "Allow",
		"button.deny":          "Deny",
		"button.passkey":       "Log in with a passkey",
		"login.or":             "or",
		"label.remember":       "Remember my choice for this service",
		"consent.intro":        "%s asks to receive the following information about you:",
		"consent.level":        "Account level required: %s",
		"code.sent":            "A code was sent to %s.",
		"switch.lang":          "Tiếng Việt",
		"loggedout.body":       "You are logged out of your electronic identification account.",
		"claim.openid":         "An identifier of you for this service",
		"claim.profile":        "Full name, gender, date of birth",
		"claim.address":        "Place of residence",
		"claim.phone":          "Phone number",
		"claim.id_number":      "Personal identification number",
		"claim.eid_level":      "Level of your e-ID account",
		"claim.offline_access": "Stay connected while you are not using the service",
		"err.request":          "The login request is invalid or expired. Go back to the service and try again.",
		"err.csrf":             "The form expired. Please try again.",
		"err.credentials":      "Wrong identification number or passcode.",
		"err.locked":           "The account is locked after repeated failures. Try again later.",
		"err.rate":             "Too many attempts. Please wait and try again.",
		"err.code":             "The code is wrong or expired.",
		"err.generic":          "Something went wrong. Please try again.",
		"err.passkey":          "The passkey did not log you in. Try again, or log in with your passcode.",
	},
}

// lang picks the page language: the lang query or form value, then the
// lang cookie, then the request's ui_locales, then Vietnamese.
func lang(r *http.Request, uiLocales ...string) string {
	for _, v := range append([]string{r.FormValue("lang"), cookieValue(r, "lang")}, uiLocales...) {
		v = strings.ToLower(v)
		for _, l := range languages {
			if v == l || strings.HasPrefix(v, l+"-") {
				return l
			}
		}
	}
	return languages[0]
}

// t returns the text of key in language l.
func t(l, key string) string {
	if m, ok := messages[l][key]; ok {
		return m
	}
	return messages[languages[0]][key]
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
