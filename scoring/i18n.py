"""Messages in Chinese (default) and English. ``t(code, lang, **args)``.

Codes are stable; ``<code>.hint`` holds how to fix the problem.
"""
from __future__ import annotations

import string

MESSAGES: dict[str, tuple[str, str]] = {
    # locations
    "loc.line": ("第{n}行", "line {n}"),
    "loc.row": ("第{n}行", "row {n}"),
    "loc.column": ("列 {c}", "column {c}"),
    "loc.key": ("键 {k}", "key {k}"),
    "loc.hint": ("修改建议：", "How to fix: "),
    # error titles
    "error.generic": ("发现{n}个问题：", "{n} problem(s) found:"),
    "error.criteria": ("评分细则有{n}个问题，未进行评分：", "The criteria file has {n} problem(s); nothing was scored:"),
    "error.data": ("报送数据有{n}个问题，未输出任何结果：", "The submitted data has {n} problem(s); no results were written:"),
    "error.plugin": ("插件有{n}个问题：", "{n} plugin problem(s):"),
    "error.internal": ("内部错误（这是本程序的缺陷，请附上以下信息报告）：{detail}",
                       "Internal error (a bug in this program; please report it with this text): {detail}"),
    # criteria file
    "criteria.file_missing": ("找不到评分细则文件", "criteria file not found"),
    "criteria.file_missing.hint": ("检查文件路径是否正确", "check the path"),
    "criteria.not_utf8": ("文件不是 UTF-8 编码", "the file is not UTF-8 text"),
    "criteria.not_utf8.hint": ("用记事本或 WPS 另存为 UTF-8 编码", "save it as UTF-8"),
    "criteria.toml_syntax": ("TOML 语法错误：{detail}", "TOML syntax error: {detail}"),
    "criteria.toml_syntax.hint": ("中文键名须加引号，如 \"党群部门\" = 17；字符串须用英文双引号",
                                  "Chinese keys must be quoted, e.g. \"党群部门\" = 17; strings need straight double quotes"),
    "criteria.missing_key": ("缺少必填项", "required key is missing"),
    "criteria.missing_key.hint": ("补上该项", "add this key"),
    "criteria.unknown_key": ("未知的键（值为 {input}）", "unknown key (value {input})"),
    "criteria.unknown_key.hint": ("检查拼写；可用的键见 README 的“评分细则格式”", "check the spelling; see the criteria format in the README"),
    "criteria.bad_value": ("取值不合法：{detail}（实际为 {input}）", "invalid value: {detail} (got {input})"),
    "criteria.duplicate": ("{what} 编号“{id}”重复", "duplicate {what} id \"{id}\""),
    "criteria.duplicate.hint": ("每个编号只能出现一次", "each id may appear only once"),
    "criteria.bad_bounds": ("下限 {min} 大于上限 {max}", "min {min} is greater than max {max}"),
    "criteria.unknown_category": ("未声明的单位类别“{name}”", "undeclared unit category \"{name}\""),
    "criteria.unknown_category.hint": ("已声明的类别：{known}（见 [assessment] categories）", "declared categories: {known}"),
    "criteria.unknown_field": ("未声明的字段“{name}”", "undeclared field \"{name}\""),
    "criteria.unknown_field.hint": ("在 [[fields]] 中声明它，或改为已有字段：{known}", "declare it under [[fields]] or use one of: {known}"),
    "criteria.formula": ("公式“{formula}”第{pos}个字符处有误：{detail}", "formula \"{formula}\" is wrong at character {pos}: {detail}"),
    "criteria.formula.hint": ("公式只能使用字段名、数字、+ - * /、括号及 min/max/abs；含特殊字符的字段名写成 [字段名]",
                              "use field names, numbers, + - * /, parentheses and min/max/abs; write names with other characters as [name]"),
    "criteria.formula_cycle": ("公式循环引用：{chain}", "formulas refer to each other in a cycle: {chain}"),
    "criteria.bonus_range": ("附加项范围不合法：min={min} 应 ≤ 0，max={max} 应 ≥ 0", "bonus range invalid: min={min} must be ≤ 0 and max={max} ≥ 0"),
    "criteria.weights_sum": ("“{category}”各模块权重之和为 {sum}（{detail}），应为 {total}",
                             "module weights for \"{category}\" add up to {sum} ({detail}), not {total}"),
    "criteria.weights_sum.hint": ("调整各模块 weights 中该类别的权重，使其合计为 {total}", "adjust the weights of this category so they add up to {total}"),
    "criteria.no_module": ("一级指标“{id}”未指明所属模块（module）", "top-level indicator \"{id}\" names no module"),
    "criteria.unknown_module": ("未声明的模块“{name}”", "undeclared module \"{name}\""),
    "criteria.unknown_module.hint": ("已声明的模块：{known}", "declared modules: {known}"),
    "criteria.unknown_parent": ("上级指标“{name}”不存在", "parent indicator \"{name}\" does not exist"),
    "criteria.unknown_parent.hint": ("相近的指标编号：{known}", "similar ids: {known}"),
    "criteria.module_on_child": ("下级指标“{id}”不应再写 module（随上级指标）", "child indicator \"{id}\" must not set module (it follows its parent)"),
    "criteria.bonus_not_top": ("附加项“{id}”须为一级指标", "bonus item \"{id}\" must be a top-level indicator"),
    "criteria.parent_cycle": ("指标上下级循环：{chain}", "indicators form a cycle: {chain}"),
    "criteria.method_on_group": ("“{id}”有下级指标，不应再写评分方法（其得分为下级之和）",
                                 "\"{id}\" has children and must not name a method (its points are their sum)"),
    "criteria.children_sum": ("“{id}”分值 {full} 与下级指标分值之和 {sum}（{detail}）不符",
                              "\"{id}\" is worth {full} but its children add up to {sum} ({detail})"),
    "criteria.no_method": ("末级指标“{id}”未指明评分方法（method）", "leaf indicator \"{id}\" names no method"),
    "criteria.no_method.hint": ("运行 scoring methods 查看可用方法", "run `scoring methods` to list the methods"),
    "criteria.unknown_method": ("未知的评分方法“{name}”", "unknown scoring method \"{name}\""),
    "criteria.unknown_method.hint": ("相近的方法：{known}；运行 scoring methods 查看全部", "similar: {known}; run `scoring methods` for all"),
    "criteria.unknown_method_failed": ("未知的评分方法“{name}”（有插件加载失败：{failed}）",
                                       "unknown scoring method \"{name}\" (plugins that failed to load: {failed})"),
    "criteria.unknown_method_failed.hint": ("先修复加载失败的插件；相近的方法：{known}", "fix the plugins that failed to load; similar: {known}"),
    "criteria.no_field": ("指标“{id}”使用方法 {method}，须写明读取的字段（field）", "indicator \"{id}\" uses {method} and must name its field"),
    "criteria.field_not_used": ("方法 {method} 在 params 中指定字段，指标“{id}”不应再写 field",
                                "method {method} names its fields in params; remove field from \"{id}\""),
    "criteria.module_sum": ("模块“{module}”满分 {full}，但一级指标分值之和为 {sum}", "module \"{module}\" is worth {full} but its indicators add up to {sum}"),
    "criteria.bonus_undeclared": ("模块“{module}”含附加项，但未声明附加项范围 bonus = {{ min = …, max = … }}",
                                  "module \"{module}\" has bonus items but declares no bonus range"),
    "criteria.module_empty": ("模块“{module}”对“{category}”没有适用的指标", "module \"{module}\" has no indicator that applies to \"{category}\""),
    "criteria.grades_twice": ("类别“{category}”在第{a}组和第{b}组等次中重复出现", "category \"{category}\" is in grade sets {a} and {b}"),
    "criteria.grades_missing": ("类别“{category}”未设定等次", "no grade bands for category \"{category}\""),
    "criteria.no_grades_for_veto": ("有否优项，但未设定等次", "a no-excellent veto needs grade bands"),
    "criteria.band_duplicate": ("等次名称重复", "duplicate grade names"),
    "criteria.band_overlap": ("等次“{a}”上限 {max} 与“{b}”下限 {min} 重叠", "band \"{a}\" (max {max}) overlaps \"{b}\" (min {min})"),
    "criteria.band_gap": ("等次“{a}”上限 {max} 与“{b}”下限 {min} 之间有空档", "gap between band \"{a}\" (max {max}) and \"{b}\" (min {min})"),
    "criteria.band_gap.hint": ("令下一等次的 max 等于上一等次的 min", "make each band's max equal the min of the band above"),
    "criteria.band_no_min": ("只有最低等次可以不写下限 min，“{a}”须写明", "only the lowest band may omit min; \"{a}\" needs one"),
    "criteria.band_floor.hint": ("去掉最低等次的 min（表示以下全部），或将其设为 {low} 以下", "drop min from the lowest band (meaning: everything below) or set it to {low} or less"),
    "criteria.band_empty": ("等次“{a}”的范围为空", "band \"{a}\" is empty"),
    "criteria.band_floor": ("最低等次“{a}”下限 {min} 高于可能的最低分 {low}，部分总分将无等次",
                            "the lowest band \"{a}\" starts at {min}, above the lowest possible total {low}"),
    "criteria.unknown_grade": ("等次“{name}”不存在（已有：{known}）", "grade \"{name}\" does not exist (bands: {known})"),
    "criteria.unknown_veto": ("否决事项“{name}”不存在（可用：{known}）", "veto \"{name}\" does not exist (known: {known})"),
    # data
    "data.missing_value": ("单位 {unit}（{name}）缺少“{field}”，指标 {indicator} 无法评分",
                           "unit {unit} ({name}) has no \"{field}\"; indicator {indicator} cannot be scored"),
    "data.missing_value.hint": ("补报该数据；若缺报应视为不参评或记0分，在评分细则该指标写 missing = \"exclude\" 或 \"zero\"",
                                "submit the value, or declare missing = \"exclude\" or \"zero\" on the indicator"),
    "data.missing_veto": ("单位 {unit}（{name}）缺少否决项“{veto}”所需的“{field}”", "unit {unit} ({name}) has no \"{field}\" for veto \"{veto}\""),
    "data.missing_veto.hint": ("补报该数据（无则填 0）", "submit the value (0 if none)"),
    "data.module_empty": ("单位 {unit}（{name}）在模块“{module}”中没有可计分的指标", "unit {unit} ({name}) has no scorable indicator in module \"{module}\""),
    "data.dir_missing": ("找不到数据目录", "data folder not found"),
    "data.no_units": ("缺少单位名单文件 units.csv（列：单位编号, 单位名称, 类别）", "no units.csv (columns: 单位编号, 单位名称, 类别)"),
    "data.not_utf8": ("文件不是 UTF-8 编码", "the file is not UTF-8 text"),
    "data.not_utf8.hint": ("在 Excel/WPS 中“另存为 → CSV UTF-8（逗号分隔）”", "in Excel/WPS use Save As → CSV UTF-8"),
    "data.bad_csv": ("CSV 格式错误：{detail}", "malformed CSV: {detail}"),
    "data.missing_column": ("缺少列“{name}”", "missing column \"{name}\""),
    "data.missing_column.hint": ("表头须包含：{need}", "the header must contain: {need}"),
    "data.unknown_column": ("未知的列“{name}”（评分细则中没有这个字段）", "unknown column \"{name}\" (no such field in the criteria)"),
    "data.unknown_column.hint": ("相近的字段：{known}", "similar fields: {known}"),
    "data.duplicate_unit": ("单位编号 {unit} 重复（另见第{other}行）", "unit id {unit} appears twice (also row {other})"),
    "data.unknown_category": ("单位 {unit} 的类别“{name}”未在评分细则中声明", "unit {unit}: category \"{name}\" is not declared"),
    "data.unknown_category.hint": ("可用类别：{known}", "categories: {known}"),
    "data.unknown_unit": ("单位“{unit}”不在单位名单 units.csv 中", "unit \"{unit}\" is not in units.csv"),
    "data.not_number": ("“{value}”不是数字（字段“{field}”）", "\"{value}\" is not a number (field \"{field}\")"),
    "data.not_number.hint": ("填写数字；没有数据请留空", "enter a number; leave it blank if there is no data"),
    "data.not_bool": ("“{value}”不是 是/否（字段“{field}”）", "\"{value}\" is not yes/no (field \"{field}\")"),
    "data.not_bool.hint": ("填写 是/否、有/无 或 1/0", "enter 是/否, 有/无 or 1/0"),
    "data.not_integer": ("“{value}”不是整数（字段“{field}”为次数）", "\"{value}\" is not a whole number (field \"{field}\" is a count)"),
    "data.out_of_range": ("{value} 超出字段“{field}”的范围 [{lo}, {hi}]", "{value} is outside the range [{lo}, {hi}] of \"{field}\""),
    "data.conflict": ("单位 {unit} 的“{field}”报送了两个不同的值：{a}（{where_a}）与 {b}（{where_b}）",
                      "unit {unit}: two different values for \"{field}\": {a} ({where_a}) and {b} ({where_b})"),
    "data.conflict.hint": ("与两个报送单位核实后只保留一个值", "check with both sources and keep one value"),
    "data.no_unit_column": ("缺少单位列（单位编号 或 单位名称）", "no unit column (单位编号 or 单位名称)"),
    # reports
    "error.report": ("无法生成报告（未写入任何文件）：", "The report could not be made (nothing was written):"),
    "report.no_cjk_font": ("未找到中文字体，不能生成 PDF（否则汉字会印成方框）",
                           "no Chinese (CJK) font is installed, so a PDF would print boxes instead of characters"),
    "report.no_cjk_font.hint": ("安装中文字体后重试：Debian/Ubuntu 运行 sudo apt-get install fonts-noto-cjk；"
                                "其他系统安装“思源黑体”（Noto Sans CJK SC）。用 fc-list :lang=zh 检查是否已安装。"
                                "也可改用 --format html 或 xlsx",
                                "install one and try again: on Debian/Ubuntu run sudo apt-get install fonts-noto-cjk; "
                                "elsewhere install Noto Sans CJK SC (Source Han Sans). Check with fc-list :lang=zh. "
                                "Or use --format html or xlsx"),
    "report.no_fontconfig": ("找不到 fc-list（fontconfig），无法确认是否安装了中文字体", "fc-list (fontconfig) not found, so the fonts cannot be checked"),
    "report.no_fontconfig.hint": ("Debian/Ubuntu 运行 sudo apt-get install fontconfig fonts-noto-cjk",
                                  "on Debian/Ubuntu run sudo apt-get install fontconfig fonts-noto-cjk"),
    "report.missing_glyphs": ("已安装的字体都不能显示这些字符，PDF 中会印成方框：{chars}",
                              "no installed font can draw these characters; the PDF would print boxes: {chars}"),
    "report.missing_glyphs.hint": ("安装包含这些字符的字体（如 Debian 的 fonts-noto-cjk-extra）后重试，或改用 --format html / xlsx",
                                   "install a font that has them (e.g. Debian's fonts-noto-cjk-extra), or use --format html / xlsx"),
    "report.no_weasyprint": ("生成 PDF 需要 WeasyPrint，但未安装（{detail}）", "making a PDF needs WeasyPrint, which is not installed ({detail})"),
    "report.no_weasyprint.hint": ("运行 pip install weasyprint（在源码目录中也可用 pip install -e \".[pdf]\"）；也可改用 --format html 或 xlsx",
                                  "run pip install weasyprint (or pip install -e \".[pdf]\" in the source folder); or use --format html or xlsx"),
    "report.no_pango": ("WeasyPrint 找不到 Pango 排版库（{detail}）", "WeasyPrint cannot find the Pango libraries ({detail})"),
    "report.no_pango.hint": ("Debian/Ubuntu 运行 sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
                             "on Debian/Ubuntu run sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"),
    "report.out_required": ("{format} 格式不能输出到终端，须用 --out 指定文件", "the {format} format cannot go to the terminal; name a file with --out"),
    "report.out_required.hint": ("例如 --out 考核结果.{format}", "e.g. --out results.{format}"),
    "report.unknown_format": ("无法从输出文件名“{out}”判断报告格式", "cannot tell the report format from the file name \"{out}\""),
    "report.unknown_format.hint": ("用 --format xlsx、html 或 pdf 指定，或让 --out 以 .xlsx / .html / .pdf 结尾",
                                   "give --format xlsx, html or pdf, or end --out with .xlsx / .html / .pdf"),
    "report.no_openpyxl": ("生成 XLSX 需要 openpyxl，但未安装（{detail}）", "making an XLSX needs openpyxl, which is not installed ({detail})"),
    "report.no_openpyxl.hint": ("运行 pip install openpyxl", "run pip install openpyxl"),
    # plugins
    "plugin.load_failed": ("插件“{name}”加载失败：{detail}", "plugin \"{name}\" failed to load: {detail}"),
    "plugin.not_a_method": ("插件“{name}”返回的 {obj} 不是评分方法", "plugin \"{name}\" returned {obj}, which is not a scoring method"),
    "plugin.duplicate": ("评分方法“{method}”重复：插件“{first}”与“{second}”都提供了它",
                         "scoring method \"{method}\" is provided twice: by \"{first}\" and by \"{second}\""),
    "plugin.duplicate.hint": ("卸载或改名其中一个", "uninstall or rename one of them"),
    "plugin.folder_missing": ("找不到插件目录 {path}", "plugin folder {path} not found"),
    # expressions
    "expr.expected": ("此处应为“{expected}”，实际为“{found}”", "expected \"{expected}\", found \"{found}\""),
    "expr.unexpected": ("意外的“{found}”", "unexpected \"{found}\""),
    "expr.arity": ("{func} 只接受一个参数", "{func} takes one argument"),
    "expr.empty_name": ("[ ] 中没有字段名", "empty [ ] field name"),
    # explanations
    "explain.group_rule": ("下级指标得分之和", "sum of its sub-indicators"),
    "explain.group_cap": ("，本项累计最多扣{cap}分", "; at most {cap} deducted in total"),
    "explain.item_cap": ("（本项最多扣{cap}分）", " (at most {cap} deducted on this item)"),
    "explain.derived": ("由公式计算", "computed by formula"),
    "explain.missing_excluded": ("未报送数据，本项不参评，按适用分值折算", "no data: item not assessed; the module is rescaled"),
    "explain.missing_zero": ("未报送数据，按评分细则记0分", "no data: 0 points as the criteria declare"),
    "explain.missing_missing": ("未报送数据", "no data"),
}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def has(code: str) -> bool:
    return code in MESSAGES


def t(code: str, lang: str = "zh", **args) -> str:
    pair = MESSAGES.get(code)
    if pair is None:
        return code + (" " + str(args) if args else "")
    text = pair[1] if lang == "en" else pair[0]
    if "detail" in args and isinstance(args["detail"], str) and args["detail"] in MESSAGES:
        args = {**args, "detail": t(args["detail"], lang, **args)}
    return string.Formatter().vformat(text, (), _Safe(args))
